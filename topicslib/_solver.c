/* The compiled training solver of topicslib: one topic's linear SVM on a shared CSR matrix.
 *
 * Dual coordinate descent for the L2-regularized, L2-loss (squared hinge) SVM with shrinking,
 * the algorithm of LIBLINEAR's -s 1 (Hsieh et al., ICML 2008), written here so that training
 * can do what a call into scikit-learn's LIBLINEAR cannot:
 *   - read the feature matrix in place: LIBLINEAR copies it into its own format on every call
 *     (16 bytes a value, once per topic and fold);
 *   - scale columns on the fly (NB weighting, training.py) instead of materializing a scaled copy;
 *   - fit on a subset of rows (a cross-validation fold) given as row numbers, without a copy;
 *   - start from given dual variables: the fold models start from the full model's, which they
 *     are close to, and converge in a few passes (warm start for cross-validation: Chu, Hsieh
 *     and Lin, KDD 2015);
 *   - run without the GIL, so threads fit topics side by side over one copy of the matrix.
 *
 * The feature values are single precision (half the memory traffic of a pass; training's features are
 * float32), the weights and all sums double.
 *
 * The weights are kept in the unscaled feature space (u = w * scale): a margin is then a plain
 * dot product with a row, and the scale enters only through scale^2 in updates and the diagonal.
 * The intercept is an extra feature of value 1, regularized like the others (LIBLINEAR's bias).
 * The row order of each pass comes from the caller's seed: the same call gives the same weights.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Take a C-contiguous 1-d buffer of items of the given kind ('f' float, 'i' signed integer) and size. */
static int get_buffer(PyObject *obj, Py_buffer *view, char kind, Py_ssize_t itemsize, int writable, const char *name)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0)
        return -1;
    const char *f = view->format;
    if (*f == '<' || *f == '=' || *f == '@')
        f++;
    const int ok_kind = kind == 'f' ? strcmp(f, itemsize == 4 ? "f" : "d") == 0 : (strlen(f) == 1 && strchr("bhilq", *f) != NULL);
    if (view->ndim != 1 || !ok_kind || view->itemsize != itemsize) {
        PyErr_Format(PyExc_ValueError, "fit_svm: %s must be a contiguous 1-d array of %zd-byte %s", name, itemsize,
                     kind == 'f' ? "floats" : "signed integers");
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* xorshift64*: a small generator of our own, so the order of updates is the same on every platform. */
static inline uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

typedef struct {
    const float *data;
    const int32_t *indices;
    const int64_t *indptr;
    const int32_t *rows;  /* the rows trained on, as row numbers of the matrix */
    const int8_t *y;      /* 0/1 label of each of those rows */
    const double *scale2; /* square of each column's scale */
    Py_ssize_t n_rows, n_features;
    double c_pos, c_neg, eps;
    long max_iter;
    uint64_t seed;
    double *alpha; /* dual variables of the rows: the start, then the solution */
    double *u;     /* n_features + 1 weights in the unscaled space; the last is the intercept */
} Problem;

#define OUT_OF_MEMORY (-1)
#define BAD_INDEX (-2)

/* The diagonal of row s's update: its squared norm in the scaled space, the bias feature's 1, and the loss term.
 * Returns it, or BAD_INDEX (negative) for a column index out of range, found before any is followed. */
static double row_diagonal(const Problem *p, Py_ssize_t s)
{
    const int64_t r = p->rows[s];
    double norm = 1.0; /* the bias feature */
    for (int64_t k = p->indptr[r]; k < p->indptr[r + 1]; k++) {
        if ((uint64_t)(int64_t)p->indices[k] >= (uint64_t)p->n_features) /* a negative index wraps round to a large one */
            return BAD_INDEX;
        norm += p->data[k] * p->data[k] * p->scale2[p->indices[k]];
    }
    return norm + 0.5 / (p->y[s] ? p->c_pos : p->c_neg);
}

/* Solve; returns the number of passes, OUT_OF_MEMORY, or BAD_INDEX for a column index out of range in one of
 * the rows (checked as a row is first read, before any of its indices is followed). Makes no call into Python. */
static long solve(const Problem *p)
{
    const Py_ssize_t m = p->n_rows, F = p->n_features;
    double *qd = malloc(sizeof(double) * (size_t)(m ? m : 1));
    Py_ssize_t *index = malloc(sizeof(Py_ssize_t) * (size_t)(m ? m : 1));
    if (!qd || !index) {
        free(qd);
        free(index);
        return OUT_OF_MEMORY;
    }
    double *u = p->u, *alpha = p->alpha;
    memset(u, 0, sizeof(double) * (size_t)(F + 1));
    /* A warm start's weights come from the rows with a dual above zero, the only rows read here. The others'
     * diagonals are worked out as the first pass visits them (0: not yet), from the lines its margin then reads:
     * a fold's fit starts with three in five of its rows at zero, each read from memory once instead of twice. */
    for (Py_ssize_t s = 0; s < m; s++) {
        index[s] = s;
        qd[s] = 0.0;
        if (alpha[s] == 0.0)
            continue;
        qd[s] = row_diagonal(p, s);
        if (qd[s] < 0.0) {
            free(qd);
            free(index);
            return BAD_INDEX;
        }
        const int64_t r = p->rows[s];
        const double a = alpha[s] * (p->y[s] ? 1.0 : -1.0);
        for (int64_t k = p->indptr[r]; k < p->indptr[r + 1]; k++)
            u[p->indices[k]] += a * p->data[k] * p->scale2[p->indices[k]];
        u[F] += a;
    }
    uint64_t state = p->seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
    if (state == 0)
        state = 1;
    Py_ssize_t active = m;
    /* Rows at zero whose gradient exceeds the last pass's largest projected gradient are shrunk (set aside
     * until the active rows converge; then every row is checked again). The L2 loss puts no cap on alpha,
     * so there is no lower bound to track. A warm start is near its solution: it shrinks from its first
     * pass every row at zero that its start already classifies beyond the margin. */
    int warm = 0;
    for (Py_ssize_t s = 0; s < m && !warm; s++)
        warm = alpha[s] > 0.0;
    double pg_max_old = warm ? 0.0 : INFINITY;
    long iter = 0;
    while (iter < p->max_iter) {
        double pg_max = -INFINITY, pg_min = INFINITY;
        for (Py_ssize_t s = 0; s + 1 < active; s++) { /* Fisher-Yates over the active rows */
            Py_ssize_t j = s + (Py_ssize_t)(next_random(&state) % (uint64_t)(active - s));
            Py_ssize_t t = index[s];
            index[s] = index[j];
            index[j] = t;
        }
        for (Py_ssize_t s = 0; s < active; s++) {
            const Py_ssize_t i = index[s];
            const int64_t r = p->rows[i];
            if (s + 1 < active) {
                /* Ask for the next row's values a cache line at a time (16 items of 4 bytes) ahead of their use:
                 * a pass visits rows in random order, each a jump elsewhere in a matrix far larger than the
                 * caches, and its first lines would otherwise be read one miss at a time. (Written here, not
                 * in a function: GCC deletes a call to a function that only prefetches, as one without effect.) */
                const int64_t next = p->rows[index[s + 1]], stop = p->indptr[next + 1];
                for (int64_t k = p->indptr[next]; k < stop; k += 16) {
                    __builtin_prefetch(p->data + k);
                    __builtin_prefetch(p->indices + k);
                }
            }
            if (qd[i] == 0.0 && (qd[i] = row_diagonal(p, i)) < 0.0) {
                free(qd);
                free(index);
                return BAD_INDEX;
            }
            const double yi = p->y[i] ? 1.0 : -1.0;
            const double diag = 0.5 / (p->y[i] ? p->c_pos : p->c_neg);
            double margin = u[F];
            for (int64_t k = p->indptr[r]; k < p->indptr[r + 1]; k++)
                margin += u[p->indices[k]] * p->data[k];
            const double g = yi * margin - 1.0 + alpha[i] * diag;
            double pg = 0.0;
            if (alpha[i] == 0.0) {
                if (g > pg_max_old) { /* shrink: this row is likely to stay at zero */
                    active--;
                    index[s] = index[active];
                    index[active] = i;
                    s--;
                    continue;
                }
                if (g < 0.0)
                    pg = g;
            } else {
                pg = g;
            }
            if (pg > pg_max)
                pg_max = pg;
            if (pg < pg_min)
                pg_min = pg;
            if (fabs(pg) > 1e-12) {
                const double old = alpha[i];
                alpha[i] = fmax(old - g / qd[i], 0.0);
                const double d = (alpha[i] - old) * yi;
                for (int64_t k = p->indptr[r]; k < p->indptr[r + 1]; k++)
                    u[p->indices[k]] += d * p->data[k] * p->scale2[p->indices[k]];
                u[F] += d;
            }
        }
        iter++;
        if (pg_max - pg_min <= p->eps) {
            if (active == m)
                break;
            active = m; /* converged on the active rows: check them all once more */
            pg_max_old = INFINITY;
            continue;
        }
        pg_max_old = pg_max > 0.0 ? pg_max : INFINITY;
    }
    free(qd);
    free(index);
    return iter;
}

PyDoc_STRVAR(fit_svm_doc,
             "fit_svm(data, indices, indptr, rows, y, scale2, c_pos, c_neg, eps, max_iter, seed, alpha, u) -> passes\n\n"
             "Fit one topic's L2-loss linear SVM on the given rows of a CSR matrix (float32 data, int32 indices,\n"
             "int64 indptr), columns scaled by sqrt(scale2). alpha (float64, one per row) holds the starting dual\n"
             "variables and receives the solution; u (float64, n_features + 1) receives the weights in the\n"
             "unscaled space, the intercept last. A column index out of range in one of the rows is a ValueError (the\n"
             "rows not fitted on are never read).");

static PyObject *fit_svm(PyObject *self, PyObject *args)
{
    PyObject *objs[8];
    double c_pos, c_neg, eps;
    long max_iter;
    unsigned long long seed;
    if (!PyArg_ParseTuple(args, "OOOOOOdddlKOO", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4], &objs[5], &c_pos,
                          &c_neg, &eps, &max_iter, &seed, &objs[6], &objs[7]))
        return NULL;
    if (!(c_pos > 0.0) || !(c_neg > 0.0) || !(eps > 0.0) || max_iter < 1) {
        PyErr_SetString(PyExc_ValueError, "c_pos, c_neg and eps must be > 0 and max_iter >= 1");
        return NULL;
    }
    Py_buffer b[8];
    int got = 0;
    const char kinds[8] = {'f', 'i', 'i', 'i', 'i', 'f', 'f', 'f'};
    const Py_ssize_t sizes[8] = {4, 4, 8, 4, 1, 8, 8, 8};
    const char *names[8] = {"data", "indices", "indptr", "rows", "y", "scale2", "alpha", "u"};
    long result = 0;
    for (; got < 8; got++)
        if (get_buffer(objs[got], &b[got], kinds[got], sizes[got], got >= 6, names[got]) < 0)
            goto done;
    Problem p = {
        .data = b[0].buf, .indices = b[1].buf, .indptr = b[2].buf, .rows = b[3].buf, .y = b[4].buf,
        .scale2 = b[5].buf, .n_rows = b[3].shape[0], .n_features = b[5].shape[0], .c_pos = c_pos, .c_neg = c_neg,
        .eps = eps, .max_iter = max_iter, .seed = (uint64_t)seed, .alpha = b[6].buf, .u = b[7].buf,
    };
    const Py_ssize_t n_matrix_rows = b[2].shape[0] - 1;
    if (b[0].shape[0] != b[1].shape[0] || n_matrix_rows < 0 || b[4].shape[0] != p.n_rows ||
        b[6].shape[0] != p.n_rows || b[7].shape[0] != p.n_features + 1) {
        PyErr_SetString(PyExc_ValueError, "fit_svm: array sizes do not agree");
        goto done;
    }
    /* Check every index the loops will follow, so a bad array is an error rather than a crash: here the row
     * structure; the column indices of the rows trained on as solve first reads them (a pass over the whole
     * matrix here cost each fit as much again as reading it from memory). */
    const int64_t *indptr = p.indptr;
    if (indptr[0] != 0 || indptr[n_matrix_rows] != b[0].shape[0]) {
        PyErr_SetString(PyExc_ValueError, "fit_svm: indptr does not match data");
        goto done;
    }
    for (Py_ssize_t r = 0; r < n_matrix_rows; r++)
        if (indptr[r + 1] < indptr[r]) {
            PyErr_SetString(PyExc_ValueError, "fit_svm: indptr is not sorted");
            goto done;
        }
    for (Py_ssize_t s = 0; s < p.n_rows; s++)
        if (p.rows[s] < 0 || p.rows[s] >= n_matrix_rows || !(p.alpha[s] >= 0.0)) {
            PyErr_SetString(PyExc_ValueError, "fit_svm: a row number is out of range or a start is negative");
            goto done;
        }
    Py_BEGIN_ALLOW_THREADS
    result = solve(&p);
    Py_END_ALLOW_THREADS
    if (result == OUT_OF_MEMORY)
        PyErr_NoMemory();
    else if (result == BAD_INDEX)
        PyErr_SetString(PyExc_ValueError, "fit_svm: a column index is out of range");
done:
    for (int i = 0; i < got; i++)
        PyBuffer_Release(&b[i]);
    if (PyErr_Occurred())
        return NULL;
    return PyLong_FromLong(result);
}

static PyMethodDef methods[] = {
    {"fit_svm", fit_svm, METH_VARARGS, fit_svm_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_solver", "The compiled training solver of topicslib (see _solver.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__solver(void)
{
    return PyModule_Create(&module);
}
