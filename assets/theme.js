// The page's theme, set before anything is drawn (this file is loaded in the page's <head>, not
// with the other assets at the end of the body): no flash of the wrong theme. The server writes
// the user's choice on <html data-theme="light|dark|system"> (system: the OS's
// prefers-color-scheme, followed while the page is open) and a first guess in data-bs-theme,
// which Bootstrap's and our CSS read.
//
// Charts are drawn light by the server, for everyone (a drawn card is cached once per version
// of its data; images and PDFs stay light): on a dark page every figure is recoloured here just
// before plotly.js draws it, by the colour map of panels/theme.py (the page's
// `teamdash-dark-colors` meta tag): text and grid lines light, white boxes and separators dark,
// the darkest series colours lighter. HTML tints (panels/theme.py css_color, text_color) are
// CSS light-dark() pairs, which follow the color-scheme that assets/theme.css sets per theme.
(function () {
    "use strict";
    const root = document.documentElement;
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    const tag = document.querySelector('meta[name="teamdash-dark-colors"]');
    const DARK = tag ? JSON.parse(tag.content) : {};
    const FONTS = new Set(["font", "textfont", "insidetextfont", "outsidetextfont", "tickfont"]);
    const WHITE = "#ffffff";
    let plotly = null;
    let original = null; // Plotly.react as plotly.js defined it

    function resolved(choice) {
        if (choice === "dark" || choice === "light") {
            return choice;
        }
        return media.matches ? "dark" : "light";
    }

    function isDark() {
        return root.getAttribute("data-bs-theme") === "dark";
    }

    function hex(red, green, blue) {
        return "#" + [red, green, blue].map(function (n) {
            return Number(n).toString(16).padStart(2, "0");
        }).join("");
    }

    // One colour string in its dark form ("#eef0f3", "white", "rgba(51,34,136,0.3)"), or itself.
    function swap(text, inFont) {
        const first = text.charCodeAt(0);
        let key = null;
        let alpha = null;
        if (first === 35) { // #
            key = text.toLowerCase();
            if (key.length === 4) {
                key = "#" + key[1] + key[1] + key[2] + key[2] + key[3] + key[3];
            }
        } else if (first === 114 && text.startsWith("rgb")) { // rgb(), rgba()
            const parts = text.slice(text.indexOf("(") + 1, -1).split(",");
            key = hex(parts[0], parts[1], parts[2]);
            alpha = parts.length > 3 ? parts[3].trim() : null;
        } else if (text === "white") {
            key = WHITE;
        }
        const dark = key === null ? undefined : DARK[key];
        if (dark === undefined || (inFont && key === WHITE)) {
            return text; // white text stays white (on a coloured tile or bar)
        }
        if (alpha === null) {
            return dark;
        }
        const n = parseInt(dark.slice(1), 16);
        return "rgba(" + [n >> 16, (n >> 8) & 255, n & 255, alpha].join(",") + ")";
    }

    // A figure's part in dark colours; what holds no colour to change is returned as it is (the
    // data's number arrays are not copied).
    function recolour(value, inFont) {
        if (typeof value === "string") {
            return swap(value, inFont);
        }
        if (!value || typeof value !== "object" || ArrayBuffer.isView(value)) {
            return value;
        }
        if (Array.isArray(value)) {
            if (!value.length || typeof value[0] === "number") {
                return value;
            }
            let copy = value;
            for (let i = 0; i < value.length; i++) {
                const changed = recolour(value[i], inFont);
                if (changed !== value[i]) {
                    copy = copy === value ? value.slice() : copy;
                    copy[i] = changed;
                }
            }
            return copy;
        }
        if ("bdata" in value) {
            return value;
        }
        let copy = value;
        Object.keys(value).forEach(function (key) {
            const changed = recolour(value[key], inFont || FONTS.has(key));
            if (changed !== value[key]) {
                copy = copy === value ? Object.assign({}, value) : copy;
                copy[key] = changed;
            }
        });
        return copy;
    }

    function themed(data, layout) {
        return isDark() ? [recolour(data, false), recolour(layout, false)] : [data, layout];
    }

    // Plotly.react as dcc.Graph calls it (a figure object, or data and layout), drawing the
    // figure in the page's theme; the light figure is kept on the chart for a theme switch.
    function react(gd, first, second, third) {
        const figure = first && !Array.isArray(first) && typeof first === "object";
        const data = figure ? first.data : first;
        const layout = figure ? first.layout : second;
        gd.__teamdashLight = {data: data, layout: layout};
        const [shownData, shownLayout] = themed(data, layout);
        if (figure) {
            return original.call(this, gd, Object.assign({}, first, {
                data: shownData, layout: shownLayout,
            }));
        }
        return original.call(this, gd, shownData, shownLayout, third);
    }

    Object.defineProperty(window, "Plotly", {
        configurable: true,
        get: function () { return plotly; },
        set: function (value) {
            plotly = value;
            if (value && value.react && value.react !== react) {
                original = value.react;
                value.react = react;
            }
        },
    });

    function redrawCharts() {
        if (!plotly || !original) {
            return;
        }
        document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
            const light = gd.__teamdashLight;
            if (light && gd._fullLayout) {
                const [data, layout] = themed(light.data, light.layout);
                original.call(plotly, gd, data, layout);
            }
        });
    }

    function apply(choice) {
        const wasDark = root.getAttribute("data-bs-theme") === "dark";
        const shown = resolved(choice);
        root.setAttribute("data-theme", choice);
        root.setAttribute("data-bs-theme", shown);
        if (wasDark !== (shown === "dark")) {
            redrawCharts();
        }
    }

    apply(root.getAttribute("data-theme") || "system");
    media.addEventListener("change", function () {
        if (root.getAttribute("data-theme") === "system") {
            apply("system");
        }
    });
    window.teamdashTheme = {apply: apply};
})();
