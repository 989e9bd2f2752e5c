"""A dbt step's target folder: each step keeps only its newest folders, so runs do not fill the disk."""

import os

from orchestration.assets.transformation import remove_older_step_folders


def test_a_step_keeps_its_newest_folders_and_leaves_every_other_folder_alone(tmp_path):
    steps = [tmp_path / f"dbt_models-{n:07x}-abcdef{n % 10}" for n in range(14)]
    for age, folder in enumerate(reversed(steps)):  # steps[-1] is the newest
        (folder / "compiled").mkdir(parents=True)
        (folder / "run_results.json").write_text("{}")
        os.utime(folder, (1_000_000 + age, 1_800_000_000 - age * 60))
    others = [
        tmp_path / "dbt_day_grained_models-0000001-abcdef1",  # another step's
        tmp_path / "sources-0123456789",  # a selection's parse
        tmp_path / "sources-0123456789.parsing",
        tmp_path / "dbt_models-notarun",
    ]
    for folder in others:
        folder.mkdir()
    (tmp_path / "partial_parse.msgpack").write_bytes(b"")

    removed = remove_older_step_folders(tmp_path, "dbt_models", keep=10)

    assert sorted(removed) == sorted(steps[:4]), "the four oldest go"
    assert all(folder.is_dir() for folder in steps[4:] + others)
    assert not any(folder.exists() for folder in steps[:4])
    assert remove_older_step_folders(tmp_path, "dbt_models", keep=10) == [], "a second call finds nothing"
