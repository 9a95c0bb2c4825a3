// Live refresh pauses while the tab is hidden (dcc.Interval keeps firing in background tabs)
// and catches up with one refresh when the tab is shown again.
document.addEventListener("visibilitychange", function () {
    const root = document.getElementById("dash-root");
    const clientside = window.dash_clientside;
    if (!root || !clientside || !clientside.set_props) {
        return;
    }
    const off = root.dataset.refresh === "off";
    clientside.set_props("dash-refresh", {disabled: document.hidden || off});
});
