"""Your data: points in (painted, scikit-learn, CSV), an exact mixture fitted, previews while dragging."""
