"""The framework's pages: parse, authorise, call a selector or service, render."""
