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
// Escape closes a panel's open export menu (a <details>) and gives the focus back to its toggle.
document.addEventListener("keydown", function (event) {
    const menu = event.key === "Escape" && event.target instanceof Element
        ? event.target.closest("details.panel-export[open]") : null;
    if (menu) {
        menu.open = false;
        menu.querySelector("summary").focus();
    }
});
// Dash's dropdowns are reached through a hidden stand-in that axe rejects (app.css hides it): the
// dropdown's own button joins the Tab order instead, set just before the browser moves the focus.
document.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") {
        return;
    }
    document.querySelectorAll("button.dash-dropdown[tabindex='-1']").forEach(function (button) {
        button.tabIndex = 0;
    });
}, true);
// A control redrawn while it had the focus (the toolbar after a pick, even from a dropdown's
// open list) gives it to its new self, so a keyboard user goes on from where they were rather
// than from the top of the page.
let lastDropdown = null;
document.addEventListener("focusin", function (event) {
    if (event.target.matches("button.dash-dropdown[id]")) {
        lastDropdown = event.target.id;
    }
});
document.addEventListener("focusout", function (event) {
    const old = event.target;
    const id = old.closest(".dash-dropdown-content") ? lastDropdown : old.id;
    if (!id || event.relatedTarget) {
        return;
    }
    setTimeout(function () {
        const now = document.getElementById(id);
        const lost = !document.activeElement || document.activeElement === document.body;
        if (old.isConnected || !lost) {
            return;
        }
        // Gone for good (an acknowledged alert's form): the action's outcome has it instead.
        const next = now && now !== old ? now : document.querySelector(".alert-outcome");
        if (next) {
            next.focus();
        }
    }, 0);
});
