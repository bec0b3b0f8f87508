"""Print a markdown table from a sweep.json (2D mixtures): the numbers quoted in docs/RESULTS.md.

    python scripts/experiments/sweep_table.py docs/results/three_gaussians_learned/sweep.json [--w 0,1,3,8]
"""
import argparse
import json

COLUMNS = (("mean_posterior", "p(c|x)", "{:.3f}"), ("diversity", "diversity", "{:.3g}"),
           ("distance_to_class", "SW2 class", "{:.3g}"), ("distance_to_tilted", "SW2 tilted", "{:.3g}"),
           ("distance_to_tempered", "SW2 tempered", "{:.3g}"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sweep_json")
    parser.add_argument("--w", default=None, help="comma-separated subset of w values")
    args = parser.parse_args()
    data = json.load(open(args.sweep_json))
    keep = None if args.w is None else {float(v) for v in args.w.split(",")}
    print("| method | w | " + " | ".join(c[1] for c in COLUMNS) + " |")
    print("|---|---|" + "---|" * len(COLUMNS))
    for row in data["rows"]:
        if keep is None or row["w"] in keep:
            vals = " | ".join(fmt.format(row[key]) for key, _, fmt in COLUMNS)
            print(f"| {row['method']} | {row['w']:g} | {vals} |")


if __name__ == "__main__":
    main()
