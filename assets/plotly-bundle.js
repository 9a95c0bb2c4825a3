// dcc.Graph loads plotly.js on first use from window._dashPlotlyJSURL, which the Dash renderer
// sets to the full 4.8 MB bundle. Point it at our build with only the traces the panels use
// (1.7 MB, built by assets/vendor/build-plotly.sh): the browser parses and compiles a third as
// much on every page load. Its URL is the page's `teamdash-plotly-js` meta tag (app.py, from
// urls.py like every other URL of the app).
(function () {
    const url = document.querySelector('meta[name="teamdash-plotly-js"]').content;
    Object.defineProperty(window, "_dashPlotlyJSURL", {
        get: function () { return url; },
        set: function () {},
        configurable: true,
    });
})();
