"""A data analysis as an agent writes one, for the scientific runtime (numpy and pandas built in).

Reads orders.csv and customers.csv from the run's /work, cleans the orders, joins them to the
customers, and writes its results under out/ for the request's `outputs` to bring back."""

import json
import os

import numpy as np
import pandas as pd

orders = pd.read_csv("orders.csv", parse_dates=["date"])
customers = pd.read_csv("customers.csv")

# Clean: repeated rows out, product names in one spelling, rows without a quantity out.
received = len(orders)
orders = orders.drop_duplicates()
duplicates = received - len(orders)
orders["product"] = orders["product"].str.strip().str.title()
missing_quantity = int(orders["quantity"].isna().sum())
orders = orders.dropna(subset=["quantity"]).astype({"quantity": "int64"})
orders["revenue"] = orders["quantity"] * orders["unit_price"]

# Join: every order has exactly one customer.
sales = orders.merge(customers, on="customer_id", how="left", validate="many_to_one")
assert sales["region"].notna().all(), "an order names an unknown customer"

by_region = (
    sales.groupby("region", as_index=False)
    .agg(orders=("order_id", "count"), revenue=("revenue", "sum"))
    .sort_values("revenue", ascending=False)
)
pivot = sales.pivot_table(
    index="region", columns="product", values="revenue", aggfunc="sum", fill_value=0
)
monthly = sales.set_index("date")["revenue"].resample("MS").sum()

# A linear trend of monthly revenue: revenue ≈ slope · month + intercept.
months = np.arange(len(monthly))
slope, intercept = np.polyfit(months, monthly.to_numpy(), deg=1)
fitted = slope * months + intercept
r_squared = 1 - ((monthly - fitted) ** 2).sum() / ((monthly - monthly.mean()) ** 2).sum()

os.makedirs("out", exist_ok=True)
by_region.to_csv("out/revenue_by_region.csv", index=False)
pivot.round(2).to_csv("out/revenue_by_region_and_product.csv")
monthly.rename("revenue").to_frame().assign(trend=fitted.round(2)).to_csv(
    "out/monthly_revenue.csv", date_format="%Y-%m"
)
sales[["quantity", "unit_price", "revenue"]].describe().round(3).to_csv("out/describe.csv")
summary = {
    "orders_received": received,
    "duplicates_dropped": duplicates,
    "missing_quantity_dropped": missing_quantity,
    "orders_analysed": len(sales),
    "revenue_total": round(float(sales["revenue"].sum()), 2),
    "best_region": by_region.iloc[0]["region"],
    "monthly_trend": {"slope": round(slope, 2), "r_squared": round(float(r_squared), 3)},
}
with open("out/summary.json", "w") as f:
    json.dump(summary, f, indent=2)

print(by_region.to_string(index=False))
print(f"trend: {slope:+.2f} per month (r² {r_squared:.3f})")
