"""Progress bars on stderr for commands that go through the whole log."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Events per second (rich's own speed column counts bytes)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None and task.elapsed:  # too few updates for rich's estimate
            speed = task.completed / task.elapsed
        return Text("- events/s" if speed is None else f"{speed:,.0f} events/s", style="cyan")


def event_progress(console: Console) -> Progress:
    """A bar per stage: events done of the total, events per second and time left."""
    return Progress(
        TextColumn("[bold]{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeRemainingColumn(),
        console=console,
    )


class Stages:
    """The application's progress callback (stage, events done) shown as one bar a stage."""

    def __init__(self, progress: Progress, total: int | None) -> None:
        self._progress = progress
        self._total = total
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int) -> None:
        task = self._tasks.get(stage)
        if task is None:
            task = self._tasks[stage] = self._progress.add_task(stage, total=self._total)
        total = self._total if self._total is None else max(self._total, done)
        self._progress.update(task, completed=done, total=total)
