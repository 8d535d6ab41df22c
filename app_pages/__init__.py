"""The website's pages (routed by app.py with st.navigation); each page only calls the read side."""
