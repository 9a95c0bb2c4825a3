// dcc.Graph loads plotly.js on first use from window._dashPlotlyJSURL, which the Dash renderer
// sets to the full 4.8 MB bundle. Point it at our build with only the traces the panels use
// (1.7 MB, built by assets/vendor/build-plotly.sh): the browser parses and compiles a third as
// much on every page load.
(function () {
    const config = JSON.parse(document.getElementById("_dash-config").textContent);
    const url = config.requests_pathname_prefix + "assets/vendor/plotly-4.1.1-teamdash.min.js";
    Object.defineProperty(window, "_dashPlotlyJSURL", {
        get: function () { return url; },
        set: function () {},
        configurable: true,
    });
})();
