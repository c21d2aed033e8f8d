"""The reader's web site: server-rendered HTML that works without JavaScript."""
