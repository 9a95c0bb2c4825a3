// plotly.js places a legend under the plot from the plot's height before a resize changed the
// margins (plotly/plotly.js#6492): after a window resize, a legend under the plot could land on
// the tick labels or inside the plot. When dcc.Graph has resized a chart (it marks the chart
// `dash-graph--pending` meanwhile), a chart with a legend is drawn once more, in place.
(function () {
    const PENDING = "dash-graph--pending";
    new MutationObserver(function (records) {
        records.forEach(function (record) {
            const chart = record.target;
            const was = (record.oldValue || "").indexOf(PENDING) !== -1;
            if (!was || chart.classList.contains(PENDING) || !window.Plotly) {
                return;
            }
            if (chart._fullLayout && chart._fullLayout.showlegend) {
                window.Plotly.redraw(chart);
            }
        });
    }).observe(document.documentElement, {
        subtree: true,
        attributes: true,
        attributeFilter: ["class"],
        attributeOldValue: true,
    });
})();
