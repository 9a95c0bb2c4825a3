// `/` focuses the page's search box (the home page's), as on GitHub and Grafana; not while the
// user is typing in a field.
document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
        return;
    }
    const target = event.target;
    const typing = target instanceof Element
        && (target.closest("input, textarea, select") || target.isContentEditable);
    const box = document.getElementById("home-search");
    if (typing || !box) {
        return;
    }
    event.preventDefault();
    box.focus();
    box.select();
});
