// A clickable chart from the keyboard (panels/cards.py makes it a Tab stop): Left and Right
// (Home, End) step through the points of a series, Up and Down go to the next series, the
// point shown as on hover; Enter clicks it, so the panel's drill-down or cross-filter happens
// as for a mouse click (dcc.Graph reports plotly's click event).
document.addEventListener("keydown", function (event) {
    const box = event.target instanceof Element && event.target.matches("[data-chart-keys]")
        ? event.target : null;
    const chart = box && box.querySelector(".js-plotly-plot");
    if (!chart || !chart._fullData || !window.Plotly) {
        return;
    }
    const traces = chart._fullData.filter(function (trace) {
        return trace.visible === true && trace._length > 0;
    }).map(function (trace) {
        return {index: trace.index, size: trace._length};
    });
    if (!traces.length) {
        return;
    }
    let curve = Math.max(0, traces.findIndex(t => t.index === Number(box.dataset.curve || -1)));
    let point = Number(box.dataset.point || -1);
    const last = traces[curve].size - 1;
    const steps = {
        ArrowRight: () => Math.min(point + 1, last), ArrowLeft: () => Math.max(point - 1, 0),
        Home: () => 0, End: () => last,
    };
    if (event.key in steps) {
        point = steps[event.key]();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        curve = (curve + (event.key === "ArrowDown" ? 1 : traces.length - 1)) % traces.length;
        point = Math.min(Math.max(point, 0), traces[curve].size - 1);
    } else if (event.key === "Enter" && chart._hoverdata && chart._hoverdata.length) {
        event.preventDefault();
        chart.emit("plotly_click", {points: chart._hoverdata, event: event});
        return;
    } else {
        return;
    }
    event.preventDefault();
    box.dataset.curve = traces[curve].index;
    box.dataset.point = point;
    window.Plotly.Fx.hover(chart, [{curveNumber: traces[curve].index, pointNumber: point}]);
});
