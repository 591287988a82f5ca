"""The newsletter: compose (choose and group items) → render (HTML, text) → send."""
