"""What `cjo demo` prints: numbered steps with the tables and maps of each."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.text import Text

from cjo_cli.engine.funnel_result import FunnelResult
from cjo_cli.engine.measure import Measured
from cjo_cli.findings import Finding, Level
from cjo_cli.model import Workspace
from cjo_cli.output import funnel_report, journey_map, simulate_report
from cjo_cli.output.findings_formats import format_text, summary_line
from cjo_cli.output.text import rich_text, visible


class DemoPrinter:
    def __init__(self) -> None:
        self.console = Console(highlight=False)

    def title(self) -> None:
        self.console.print(
            Text("cjo demo: the whole loop on the sample beauty store", style="bold")
        )

    def step(self, number: int, title: str, detail: str) -> None:
        """A numbered step; `detail` may name paths, files and ids."""
        self.console.print(
            Text.assemble((f"{number}. {title}", "bold magenta"), "  ", visible(detail))
        )

    def validated(self, where: Path, findings: Sequence[Finding], files: int) -> None:
        """The summary of every finding, and the warnings (errors stop the demo and are
        printed as every command prints a broken workspace's)."""
        self.step(1, "validate", f"{where}: {summary_line(list(findings), files)}")
        warnings = [f for f in findings if f.level is Level.WARNING]
        if warnings:
            self.console.print(Text(format_text(warnings)))

    def measured(
        self, ws: Workspace, measured: Measured, results: Sequence[FunnelResult], source: str
    ) -> None:
        """Steps 3 to 5: the funnels, the replayed journeys, the measured maps."""
        self.step(3, "report", f"{len(results)} funnels (`cjo report` shows every step)")
        self.console.print(funnel_report.overview_table(results))
        simulation = measured.simulation
        if simulation is not None:
            self.step(
                4,
                "simulate",
                f"{len(simulation.totals.journeys)} journeys replayed over the log: "
                "predictions with holdout plans, measured effects where the log records "
                "a journey's run (`cjo simulate` shows steps and sends)",
            )
            self.console.print(simulate_report.overview_table(simulation.totals))
        for map_id, overlay in measured.overlays.items():
            self.step(5, "map", f"{map_id} with the measured numbers")
            journey_map.render_terminal(ws.maps[map_id], ws, overlay, source, console=self.console)

    def wrote(self, db_path: Path, html_path: Path, seconds: float) -> None:
        self.console.print()
        self.console.print(
            rich_text(f"wrote {db_path} and {html_path} in {seconds:.1f} s", style="bold green")
        )
        # Three lines: the paths are escaped, not the line breaks between them.
        html, db = visible(str(html_path)), visible(str(db_path))
        self.console.print(
            Text(
                f"- open {html} in a browser (self-contained: funnels, journeys, maps)\n"
                f"- query {db} with DuckDB: tables events, rejects, customers, "
                "funnel_steps, funnel_customers, entries, visits, sends, exits, step_stats, "
                "journey_entrants\n"
                "- next: `cjo report --help`, `cjo simulate --help`, `cjo init my-journeys`"
            )
        )
