"""``crisissim list``: the bundled scenarios and studies, which every command accepts by name."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("list")
    def list_bundled() -> None:
        """List the bundled scenarios and study files; give a name instead of a path, as in
        `crisissim run product-recall` or `crisissim study default-staffing`."""
        from crisissim.paths import bundled_scenarios, bundled_studies, data_dir
        from crisissim.scenario import ScenarioError, load_scenario
        from crisissim.scenario.units import format_duration
        from crisissim.scenario.yamlio import load_yaml, to_plain

        rows = []
        for name, path in bundled_scenarios().items():
            try:
                sc = load_scenario(path)
            except ScenarioError:
                rows.append((name, "(does not validate: crisissim validate " + name + ")"))
                continue
            rows.append((name, f"{sc.meta.title} ({format_duration(sc.meta.duration)}, {len(sc.decisions)} "
                               f"decision cards, {len(sc.lessons)} lessons)"))
        studies = bundled_studies()
        width = max((len(n) for n in [*(n for n, _ in rows), *studies]), default=0) + 2
        typer.echo("Bundled scenarios (crisissim run|play|study|validate|lessons NAME):")
        for name, what in rows:
            typer.echo(f"  {name:<{width}}{what}")
        if studies:
            typer.echo("Bundled studies (crisissim study NAME):")
            for name, path in studies.items():
                try:
                    data = to_plain(load_yaml(path))
                    what = f"scenario {str(data.get('scenario', '?')).removeprefix('../')}, varies " + ", ".join(
                        map(str, data.get("vary") or {})) if isinstance(data, dict) else ""
                except ScenarioError:
                    what = ""
                typer.echo(f"  {name:<{width}}{what}")
        typer.echo(f"Files: {data_dir('scenarios')}")
