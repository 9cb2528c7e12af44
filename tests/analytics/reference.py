"""The analytics figures recomputed with pandas straight from the generated lines.

Written independently of ``shared/analytics`` (no shared code), following the definitions in
``shared/analytics/models.py``: the tests compare the API's answers with these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import combinations

import numpy as np
import pandas as pd

SIZE_EDGES = [0, 2, 3, 4, 6, 10]
SIZE_LABELS = ["<2", "2", "3", "4-5", "6-9", "10+"]
VALUE_EDGES = [0, 100, 250, 500, 1000, 2500, 5000]
VALUE_LABELS = ["<100", "100-250", "250-500", "500-1000", "1000-2500", "2500-5000", "5000+"]


@dataclass
class Ask:
    date_from: date
    date_to: date
    regions: list[str] = field(default_factory=list)
    stores: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)


class Reference:
    def __init__(self, lines: pd.DataFrame, stores: pd.DataFrame) -> None:
        self.stores = stores.set_index("store_id")
        frame = lines.copy()
        frame["local_date"] = pd.to_datetime(frame["local_date"])
        frame["region"] = frame["store_id"].map(self.stores["region"])
        basket_value = frame.groupby("transaction_id")["net_amount"].sum()
        frame["basket_value"] = frame["transaction_id"].map(basket_value)
        self.lines = frame

    # --- selection --------------------------------------------------------------------------
    def select(self, ask: Ask, date_from: date | None = None, date_to: date | None = None) -> pd.DataFrame:
        f = self.lines
        lo = pd.Timestamp(date_from or ask.date_from)
        hi = pd.Timestamp(date_to or ask.date_to)
        keep = (f["local_date"] >= lo) & (f["local_date"] <= hi)
        if ask.regions:
            keep &= f["region"].isin(ask.regions)
        if ask.stores:
            keep &= f["store_id"].isin(ask.stores)
        if ask.categories:
            keep &= f["category"].isin(ask.categories)
        if ask.brands:
            keep &= f["brand"].isin(ask.brands)
        return f[keep]

    def previous(self, ask: Ask) -> tuple[date, date]:
        days = (ask.date_to - ask.date_from).days + 1
        return ask.date_from - timedelta(days=days), ask.date_from - timedelta(days=1)

    @staticmethod
    def kpis(f: pd.DataFrame) -> dict:
        tx = f["transaction_id"].nunique()
        revenue = float(f["net_amount"].sum())
        units = float(f["quantity"].sum())
        return {
            "revenue": revenue,
            "transactions": int(tx),
            "units": units,
            "lines": len(f),
            "discount": float(f["discount"].sum()),
            "avg_basket_value": revenue / tx if tx else None,
            "avg_basket_size": units / tx if tx else None,
        }

    # --- endpoints ----------------------------------------------------------------------------
    def transactions(self, ask: Ask, grain: str) -> dict:
        f = self.select(ask)
        prev = self.select(ask, *self.previous(ask))
        if grain == "day":
            key = f["local_date"]
        elif grain == "week":
            key = f["local_date"] - pd.to_timedelta(f["local_date"].dt.day_of_week, unit="D")
        else:
            key = f["local_date"].dt.to_period("M").dt.start_time
        grouped = f.groupby(key).agg(
            revenue=("net_amount", "sum"),
            transactions=("transaction_id", "nunique"),
            units=("quantity", "sum"),
        )
        wide = self.select(ask, ask.date_from - timedelta(days=6), ask.date_to)
        daily = wide.groupby("local_date")["net_amount"].sum()
        calendar = pd.date_range(
            pd.Timestamp(ask.date_from) - pd.Timedelta(days=6), pd.Timestamp(ask.date_to)
        )
        moving = daily.reindex(calendar, fill_value=0.0).rolling(7).mean()
        series = {}
        for period, row in grouped.iterrows():
            series[max(period.date(), ask.date_from)] = {
                "revenue": row["revenue"],
                "transactions": int(row["transactions"]),
                "units": row["units"],
                "revenue_ma7": float(moving[period]) if grain == "day" else None,
            }
        return {"kpis": self.kpis(f), "previous": self.kpis(prev), "series": series, "moving": moving}

    def store_table(self, ask: Ask) -> pd.DataFrame:
        scoped = self.stores
        if ask.regions:
            scoped = scoped[scoped["region"].isin(ask.regions)]
        if ask.stores:
            scoped = scoped[scoped.index.isin(ask.stores)]
        f = self.select(ask)
        prev = self.select(ask, *self.previous(ask))
        table = pd.DataFrame(index=scoped.index)
        table["revenue"] = f.groupby("store_id")["net_amount"].sum()
        table["transactions"] = f.groupby("store_id")["transaction_id"].nunique()
        table["units"] = f.groupby("store_id")["quantity"].sum()
        table["previous_revenue"] = prev.groupby("store_id")["net_amount"].sum()
        table = table.fillna(0)
        return table.join(scoped[["region", "province", "city", "lat", "lon", "name"]])

    def geographic(self, ask: Ask) -> dict[str, pd.DataFrame]:
        table = self.store_table(ask)
        levels = {"store": table}
        for level, keys in (
            ("region", ["region"]),
            ("province", ["region", "province"]),
            ("city", ["region", "province", "city"]),
        ):
            levels[level] = table.groupby(keys).agg(
                revenue=("revenue", "sum"),
                transactions=("transactions", "sum"),
                previous_revenue=("previous_revenue", "sum"),
                stores=("revenue", "size"),
                lat=("lat", "mean"),
            )
        return levels

    def products(self, ask: Ask) -> dict:
        f = self.select(ask)

        def share(dim: str) -> pd.DataFrame:
            g = f.groupby(dim).agg(
                revenue=("net_amount", "sum"),
                units=("quantity", "sum"),
                transactions=("transaction_id", "nunique"),
            )
            g["share"] = g["revenue"] / g["revenue"].sum()
            return g

        skus = share("sku")
        ordered = skus["revenue"].sort_values(ascending=False)
        cumulative = ordered.cumsum() / ordered.sum() if len(ordered) else ordered
        needed = int((cumulative.to_numpy() < 0.8 - 1e-12).sum() + 1) if len(ordered) else 0
        matrix = f.groupby(["category", "region"])["net_amount"].sum()
        region_total = f.groupby("region")["net_amount"].sum()
        first = max(ask.date_from, ask.date_to - timedelta(days=89)).replace(day=1)
        last = (pd.Timestamp(ask.date_to) + pd.offsets.MonthEnd(0)).date()
        months = self.select(ask, first, last)  # pairs: the whole months containing the range
        n = months["transaction_id"].nunique()
        per_sku = months.groupby("sku")["transaction_id"].nunique()
        baskets = months.groupby("transaction_id")["sku"].apply(lambda s: sorted(set(s)))
        counts: dict[tuple[str, str], int] = {}
        for items in baskets:
            for pair in combinations(items, 2):
                counts[pair] = counts.get(pair, 0) + 1
        pairs = {}
        for (a, b), both in counts.items():
            if both >= 2:
                na, nb = per_sku[a], per_sku[b]
                pairs[(a, b)] = {
                    "transactions": both,
                    "support": both / n,
                    "confidence": both / na,
                    "lift": both * n / (na * nb),
                }
        return {
            "categories": share("category"),
            "brands": share("brand"),
            "skus": skus,
            "skus_for_80pct": needed,
            "matrix": matrix,
            "share_of_region": matrix / matrix.index.get_level_values("region").map(region_total).to_numpy(),
            "pairs": pairs,
            "basket_transactions": n,
        }

    def behavior(self, ask: Ask, grain: str) -> dict:
        f = self.select(ask)
        per_tx = f.groupby("transaction_id").agg(
            size=("basket_size", "first"),
            value=("basket_value", "first"),
            discounted=("discount", lambda d: bool((d > 0).any())),
        )
        size = pd.cut(per_tx["size"], SIZE_EDGES + [np.inf], right=False, labels=SIZE_LABELS)
        value = pd.cut(
            per_tx["value"].clip(lower=0), VALUE_EDGES + [np.inf], right=False, labels=VALUE_LABELS
        )
        if grain == "week":
            period = f["local_date"] - pd.to_timedelta(f["local_date"].dt.day_of_week, unit="D")
        elif grain == "month":
            period = f["local_date"].dt.to_period("M").dt.start_time
        else:
            period = f["local_date"]
        return {
            "hour_weekday": f.groupby(["weekday", "local_hour"])["transaction_id"].nunique(),
            "size": size.value_counts(),
            "value": value.value_counts(),
            "payment": f.assign(period=period)
            .groupby(["period", "payment_method"])["transaction_id"]
            .nunique(),
            "transactions": len(per_tx),
            "discounted": int(per_tx["discounted"].sum()),
            "gross": float(f["gross_amount"].sum()),
            "discount": float(f["discount"].sum()),
        }

    def customers(self, ask: Ask, k: int = 5) -> dict:
        f = self.select(ask)
        ident = f[f["customer_key"].notna()]
        if ident.empty:
            none = pd.DataFrame({"customers": [], "transactions": [], "revenue": [], "avg_recency_days": []})
            return {
                "demographics": none,
                "loyalty": none,
                "new_returning": none,
                "rfm": none,
                "suppressed": 0,
                "identified_transactions": 0,
                "anonymous_transactions": f["transaction_id"].nunique(),
            }
        demo = ident.groupby(["age_band", "gender"]).agg(
            customers=("customer_key", "nunique"),
            transactions=("transaction_id", "nunique"),
            revenue=("net_amount", "sum"),
        )
        loyalty = ident.groupby("loyalty_tier").agg(
            customers=("customer_key", "nunique"),
            transactions=("transaction_id", "nunique"),
            revenue=("net_amount", "sum"),
        )
        any_product = Ask(date(2000, 1, 1), ask.date_to, ask.regions, ask.stores)
        history = self.select(any_product)
        first = history[history["customer_key"].notna()].groupby("customer_key")["local_date"].min()
        kind = np.where(ident["customer_key"].map(first) >= pd.Timestamp(ask.date_from), "new", "returning")
        new_returning = (
            ident.assign(kind=kind)
            .groupby("kind")
            .agg(
                customers=("customer_key", "nunique"),
                transactions=("transaction_id", "nunique"),
                revenue=("net_amount", "sum"),
            )
        )
        per = ident.groupby("customer_key").agg(
            last=("local_date", "max"),
            frequency=("transaction_id", "nunique"),
            monetary=("net_amount", "sum"),
        )
        per["recency"] = (pd.Timestamp(ask.date_to) - per["last"]).dt.days
        n = len(per)

        def score(values: pd.Series) -> pd.Series:
            return 1 + (5 * (values.rank(method="min") - 1) // n).astype(int)

        r, fq = score(-per["recency"]), score(per["frequency"])
        segment = np.select(
            [(r >= 4) & (fq >= 4), (r >= 3) & (fq >= 3), r >= 4, (r <= 2) & (fq >= 3), r <= 2],
            ["Champions", "Loyal", "Recent", "At risk", "Hibernating"],
            "Needs attention",
        )
        rfm = (
            per.assign(segment=segment)
            .groupby("segment")
            .agg(
                customers=("frequency", "size"),
                transactions=("frequency", "sum"),
                revenue=("monetary", "sum"),
                avg_recency_days=("recency", "mean"),
            )
        )
        groups = [demo, loyalty, new_returning, rfm]
        suppressed = sum(int((g["customers"] < k).sum()) for g in groups)
        return {
            "demographics": demo[demo["customers"] >= k],
            "loyalty": loyalty[loyalty["customers"] >= k],
            "new_returning": new_returning[new_returning["customers"] >= k],
            "rfm": rfm[rfm["customers"] >= k],
            "suppressed": suppressed,
            "identified_transactions": ident["transaction_id"].nunique(),
            "anonymous_transactions": f["transaction_id"].nunique() - ident["transaction_id"].nunique(),
        }
