"""The MNIST tab: its selection, the grids' service and atlas, the views the browser draws."""
