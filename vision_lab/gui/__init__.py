"""The Qt front end. Imports the core; the core never imports this."""
