"""pufa's application: conversation layer, transports, delivery, web pages, CLI."""

import os

# One BLAS thread, set before numpy loads: the FAQ's small products must never split
# themselves over the cores the runtime and the database need (issue 14). An operator's own
# setting wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
