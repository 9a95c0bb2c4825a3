// The page frame's browser-side callbacks (callbacks/theme.py registers them): the theme picked
// in the user menu, applied at once (assets/theme.js; the server keeps it for the next pages),
// and the folded navbar's menu button, which opens and closes it and closes it again when the
// user went to another page or pressed Escape.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    teamdash: {
        pickTheme: function () {
            const picked = window.dash_clientside.callback_context.triggered_id;
            if (picked && picked.value && window.teamdashTheme) {
                window.teamdashTheme.apply(picked.value);
            }
            return window.dash_clientside.no_update;
        },
        toggleMenu: function () {
            const context = window.dash_clientside.callback_context;
            const button = document.getElementById("nav-toggle");
            const open = context.triggered_id === "nav-toggle"
                && button.getAttribute("aria-expanded") !== "true";
            return [open, String(open)];
        },
    },
});
document.addEventListener("keydown", function (event) {
    const button = document.getElementById("nav-toggle");
    if (event.key !== "Escape" || !button || button.getAttribute("aria-expanded") !== "true") {
        return;
    }
    if (document.querySelector(".navbar .dropdown-menu.show")) {
        return; // Escape closes the open dropdown first
    }
    button.click();
    button.focus();
});
