"""The resolved view: a dashboard as one viewer may see it (authorised, scoped, its time range,
variables and each panel's window), made in one place (`view.resolve`) and used by the page, the
panel callbacks, the exports, the detail pages and the drill-down."""
