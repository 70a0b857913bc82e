"""The Textual face: the app, its screens and widgets (styles in the top-level styles/)."""
