"""zoo_vision: the built-in vision plugin (CNN families, Pillow transforms, image datasets).

Being built: see the project's issues. Importing it must stay light (no Pillow at import time).
"""
