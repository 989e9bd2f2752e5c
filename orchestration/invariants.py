"""The `dbt_invariants` job: the dbt tests of the layers under the marts, on their own schedule.

A run builds the models and runs the tests that guard the published numbers (tests on marts and
the reconciliations in data-tests/). The ~280 tests of staging and intermediate models (not_null,
unique, accepted values, relationships; tagged `invariant` in dbt_project.yml) catch a broken
model or a changed source rather than a wrong number of the day, and their fixed cost (~0.05 s
each before any data work) would otherwise grow every run with every model added. This job runs
them all with `dbt test --select tag:invariant`; a failing one fails the run (so the failure alert
fires) with each failing test named.
"""

from dagster import Failure, OpExecutionContext, ScheduleDefinition, job, op
from dagster_dbt import DbtCliResource

from ingestion.registry import SourceSelection
from orchestration.assets.transformation import INVARIANTS
from orchestration.resources import dbt_vars_args
from orchestration.warehouse import warehouse_access

JOB_NAME = "dbt_invariants"


def invariants_job(selection: SourceSelection):
    """The job for this selection's models (a disabled source's tests do not exist)."""

    @op(name="dbt_invariant_tests")
    def dbt_invariant_tests(context: OpExecutionContext, dbt: DbtCliResource) -> None:
        """`dbt test --select tag:invariant`; fails naming every failing test and its first rows' query."""
        args = ["test", "--select", INVARIANTS, *dbt_vars_args(selection)]
        with warehouse_access(context):
            invocation = dbt.cli(args, raise_on_error=False)
            for _ in invocation.stream_raw_events():
                pass
            results = invocation.get_artifact("run_results.json")["results"]
        failed = [result for result in results if result["status"] in ("fail", "error")]
        warned = [result for result in results if result["status"] == "warn"]
        counts = {"tests": len(results), "failed": len(failed), "warned": len(warned)}
        context.log.info(
            f"{len(results)} invariant tests: {len(results) - len(failed) - len(warned)} passed, "
            f"{len(warned)} warned, {len(failed)} failed"
        )
        if failed:
            raise Failure(
                description=f"{len(failed)} of {len(results)} dbt invariant tests failed: "
                + ", ".join(
                    result["unique_id"].split(".")[2] for result in failed
                )  # test.<project>.<name>[.<hash>]
                + ". Run `dbt test --select <name>` in dbt_project/ (with --store-failures to keep the rows) "
                "to see the offending rows; the model named in the test is the one to fix.",
                metadata={**counts, "failed_tests": [result["unique_id"] for result in failed]},
            )
        context.add_output_metadata(counts)

    @job(name=JOB_NAME, description=__doc__.split("\n\n")[0])
    def dbt_invariants():
        dbt_invariant_tests()

    return dbt_invariants


def invariants_schedule(invariants) -> ScheduleDefinition:
    """Sundays 05:00 (before the daily run at 06:00), off until switched on, like every schedule here."""
    return ScheduleDefinition(
        name=f"{JOB_NAME}_schedule", job=invariants, cron_schedule="0 5 * * 0", execution_timezone="UTC"
    )
