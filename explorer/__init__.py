"""Read side of the knowledge base: every query the CLI and the website make lives here."""
