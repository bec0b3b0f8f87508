"""The 2D lab: selections, views, lessons, the warm-up, the lab's networks and training jobs."""
