"""The mixture table editor's row format: one row per component, to and from the JSON mixture format.

Row: mean_x, mean_y, var_x, cov_xy, var_y, weight, class (an index into the comma-separated class names).
Validation of the result is cfg_core.mixture_json.mixture_from_dict's job.
"""
from __future__ import annotations

from cfg_core.mixture_json import MixtureError

TABLE_COLUMNS = ("mean_x", "mean_y", "var_x", "cov_xy", "var_y", "weight", "class")


def spec_to_rows(spec: dict) -> list[list]:
    """A mixture dict as editable table rows (class by index)."""
    return [[c["mean"][0], c["mean"][1], c["cov"][0][0], c["cov"][0][1], c["cov"][1][1], c["weight"], c["class"]]
            for c in spec["components"]]


def rows_to_spec(rows, class_names: str, name: str = "custom") -> dict:
    """Table rows and comma-separated class names -> a mixture dict (validated later by mixture_from_dict)."""
    classes = [c.strip() for c in str(class_names).split(",") if c.strip()]
    comps = []
    for i, row in enumerate(rows):
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        try:
            mx, my, vx, cxy, vy, wt = (float(v) for v in row[:6])
            cls_value = float(row[6])
        except (TypeError, ValueError, IndexError, OverflowError):
            raise MixtureError(f"row {i + 1}: every cell must be a number ({', '.join(TABLE_COLUMNS)})") from None
        if not cls_value.is_integer():  # 0.5 is no class (int() would quietly make it class 0)
            raise MixtureError(f"row {i + 1}: class must be a whole number (an index into the class names), "
                               f"got {row[6]!r}")
        cls = int(cls_value)
        comps.append({"mean": [mx, my], "cov": [[vx, cxy], [cxy, vy]], "weight": wt, "class": cls})
    return {"name": name, "classes": classes, "components": comps}
