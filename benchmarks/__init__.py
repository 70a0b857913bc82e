"""warroom's benchmarks: `python -m benchmarks [--quick] [--events N]`.

Every figure is printed beside a baseline measured in the same run on the same machine,
and the ratio between them is the figure we judge: these machines are noisy, so subject
and baseline runs alternate, repeat, and medians are compared. See benchmarks/RESULTS.md
for the last full run. Nothing here is imported by warroom itself.
"""
