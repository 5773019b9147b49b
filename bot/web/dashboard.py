"""The officers' dashboard: complaints per day and region, stage times, SLA compliance, X API spend.

Figures come from `ingest.store.stats` (counts, medians, compliance), `ingest.store.dashboard`
(counts per day) and `ingest.store.usage` (X API use); `bot.web.charts` draws them.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request

from bot.web.app import console, language, requires, t
from bot.web.charts import Bar, Chart, Series, hbar_chart, stacked_columns
from bot.web.texts import register
from ingest.routing import RoutingTable
from ingest.store.dashboard import fetch_daily_categories
from ingest.store.stats import NONE, Stats, fetch_stats
from ingest.store.usage import usage_days
from replies.compose import category_names

bp = Blueprint("dashboard", __name__)
PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
TOP_REGIONS = 10
MAX_SERIES = 9  # categories drawn on their own; the rest share one colour
STAGES = ("acknowledge", "verify", "forward", "respond")
WIB = ZoneInfo("Asia/Jakarta")

register({
    "dashboard.title": ("Dasbor", "Dashboard"),
    "dashboard.period": ("Periode", "Period"),
    "dashboard.days": ("{n} hari", "{n} days"),
    "dashboard.total": ("Pengaduan masuk", "Complaints received"),
    "dashboard.breaches": ("Tenggat terlewat", "Missed deadlines"),
    "dashboard.spend_total": ("Biaya API X (perkiraan)", "X API spend (estimate)"),
    "dashboard.per_day": ("Pengaduan per hari menurut kategori", "Complaints per day by category"),
    "dashboard.by_region": ("Pengaduan menurut wilayah (10 teratas)", "Complaints by region (top 10)"),
    "dashboard.medians": ("Median waktu per tahap (jam)", "Median time per stage (hours)"),
    "dashboard.compliance": ("Kepatuhan SLA tanggapan per instansi", "SLA compliance per agency (response)"),
    "dashboard.spend": ("Biaya API X per hari (USD, perkiraan)", "X API spend per day (USD, estimate)"),
    "dashboard.day": ("Tanggal", "Day"),
    "dashboard.region": ("Wilayah", "Region"),
    "dashboard.count": ("Jumlah", "Count"),
    "dashboard.stage": ("Tahap", "Stage"),
    "dashboard.hours": ("Jam", "Hours"),
    "dashboard.agency": ("Instansi", "Agency"),
    "dashboard.share": ("Tepat waktu", "Within time"),
    "dashboard.usd": ("USD", "USD"),
    "dashboard.stage.acknowledge": ("Balasan pertama", "Acknowledge"),
    "dashboard.stage.verify": ("Verifikasi", "Verify"),
    "dashboard.stage.forward": ("Penerusan", "Forward"),
    "dashboard.stage.respond": ("Tanggapan instansi", "Agency response"),
    "dashboard.no_region": ("(tanpa wilayah)", "(no region)"),
    "dashboard.other_categories": ("Kategori lain", "Other categories"),
    "dashboard.empty": ("Belum ada data untuk periode ini.", "No data for this period yet."),
    "dashboard.table": ("Tabel data", "Data table"),
    "dashboard.hours_value": ("{h} jam", "{h} h"),
    "dashboard.none": ("—", "—"),
    "dashboard.compliance_value": ("{pct}% ({within}/{forwarded})", "{pct}% ({within}/{forwarded})"),
})


@bp.get("/dashboard")
@requires("officer")
def overview() -> str:
    """Show the dashboard for the last 7, 30 or 90 days."""
    app = console()
    now = app.now()
    period = int(request.args["days"]) if request.args.get("days", "") in {str(p) for p in PERIODS} else DEFAULT_PERIOD
    days = wib_days(now, period)
    since = start_of_wib_day(days[0])
    stats = fetch_stats(app.store, app.settings.sla, app.calendar, now, since)
    daily = fetch_daily_categories(app.store, since, start_of_wib_day(days[-1]) + timedelta(days=1))
    spend = {row.day: app.settings.prices.spend(row.reads, row.posts, row.posts_with_link)
             for row in usage_days(app.store, now, period)}
    spend_days = [(now - timedelta(days=k)).astimezone(timezone.utc).strftime("%Y-%m-%d") for k in range(period - 1, -1, -1)]
    charts = [
        per_day_chart(days, daily, language()),
        region_chart(stats),
        median_chart(stats),
        compliance_chart(stats, app.routing),
        spend_chart(spend_days, spend),
    ]
    return render_template("dashboard.html", charts=charts, stats=stats, period=period, periods=PERIODS,
                           breaches=sum(stats.breaches_by_stage.values()), spend_total=sum(spend.values()))


def wib_days(now: datetime, period: int) -> list[str]:
    """Return the last `period` WIB days up to today, oldest first, as YYYY-MM-DD."""
    today = now.astimezone(WIB).date()
    return [(today - timedelta(days=k)).isoformat() for k in range(period - 1, -1, -1)]


def start_of_wib_day(day: str) -> datetime:
    """Return the moment a WIB day (YYYY-MM-DD) begins."""
    return datetime.combine(datetime.strptime(day, "%Y-%m-%d").date(), time(), WIB)


def per_day_chart(days: list[str], daily: list[tuple[str, str, int]], lang: str) -> Chart:
    """Return the stacked columns of complaints per day, one colour per category."""
    totals: dict[str, int] = {}
    for _, category, n in daily:
        totals[category] = totals.get(category, 0) + n
    ranked = sorted(totals, key=lambda c: (-totals[c], c))
    shown, rest = ranked[:MAX_SERIES], set(ranked[MAX_SERIES:])
    names = category_names()
    index = {day: i for i, day in enumerate(days)}
    values: dict[str, list[float]] = {c: [0.0] * len(days) for c in [*shown, *(["*"] if rest else [])]}
    for day, category, n in daily:
        if day in index:
            values["*" if category in rest else category][index[day]] += n
    series = [Series(names.get(c, {}).get(lang, c) if c != "*" else t("dashboard.other_categories"), tuple(v))
              for c, v in values.items()]
    return stacked_columns(t("dashboard.per_day"), days, series, headers_first=t("dashboard.day"), width=1180)


def region_chart(stats: Stats) -> Chart:
    """Return the bars of the regions with the most complaints."""
    bars = [Bar(c.name or (t("dashboard.no_region") if c.key == NONE else c.key), c.count, str(c.count))
            for c in stats.top_regions[:TOP_REGIONS]]
    return hbar_chart(t("dashboard.by_region"), bars, headers=(t("dashboard.region"), t("dashboard.count")))


def median_chart(stats: Stats) -> Chart:
    """Return the bars of the median hours each stage took."""
    hours = [(stage, stats.median_hours.get(stage)) for stage in STAGES]
    bars = [Bar(t(f"dashboard.stage.{stage}"), value or 0.0,
                t("dashboard.hours_value", h=f"{value:.1f}") if value is not None else t("dashboard.none"))
            for stage, value in hours]
    chart = hbar_chart(t("dashboard.medians"), bars, headers=(t("dashboard.stage"), t("dashboard.hours")), css_class="s1")
    return chart if any(value is not None for _, value in hours) else _emptied(chart)


def compliance_chart(stats: Stats, routing: RoutingTable) -> Chart:
    """Return the bars of each agency's share of responses within the deadline, with counts."""
    names = {a.id: a.name for a in routing.agencies}
    bars = []
    for c in stats.compliance:
        share = c.share or 0.0
        bars.append(Bar(names.get(c.agency_id, c.agency_id), share * 100,
                        t("dashboard.compliance_value", pct=round(share * 100), within=c.within, forwarded=c.forwarded)))
    return hbar_chart(t("dashboard.compliance"), bars, headers=(t("dashboard.agency"), t("dashboard.share")),
                      maximum=100, css_class="s2")


def spend_chart(days: list[str], spend: dict[str, float]) -> Chart:
    """Return the columns of the estimated X API spend per UTC day."""
    series = [Series(t("dashboard.usd"), tuple(spend.get(day, 0.0) for day in days))]
    return stacked_columns(t("dashboard.spend"), days, series, headers_first=t("dashboard.day"), value_text="{:.2f}")


def _emptied(chart: Chart) -> Chart:
    return Chart(chart.title, chart.svg, chart.headers, ())

