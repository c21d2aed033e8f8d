"""The pipeline joins the pure stages to the store."""
