/* framing.records.fast_constructor's `make`, compiled: a frozen slots dataclass instance built
 * from one value per field, without its generated __init__.
 *
 * The reference is the pure-Python `make` of fast_constructor: a new object of the class, then
 * each field's slot set through its member descriptor (what object.__setattr__ does, which the
 * dataclass's __init__ calls once per field). Here the slots are set with PyMember_SetOne, the
 * function behind a member descriptor's __set__, so the object is the same; the Python loop of
 * one setter call per field (17 for a Match) is what goes.
 *
 * The descriptors are checked on every call (member descriptors of the class or of a base of
 * it, holding object references), so no argument can make this write outside the object.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

PyDoc_STRVAR(make_doc,
"make(cls, descriptors, values) -> cls instance\n\n"
"A new instance of `cls` (a type) with values[k] stored through descriptors[k], the member\n"
"descriptors of its slots, one per field; len(values) must equal len(descriptors).");

static PyObject *records_make(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyTypeObject *cls;
    PyObject *descriptors, *values, *obj;
    Py_ssize_t k, n;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "make() takes cls, descriptors, values");
        return NULL;
    }
    if (!PyType_Check(args[0]) || !PyTuple_Check(args[1]) || !PyTuple_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "make(): cls must be a type, descriptors and values tuples");
        return NULL;
    }
    cls = (PyTypeObject *)args[0];
    descriptors = args[1];
    values = args[2];
    n = PyTuple_GET_SIZE(descriptors);
    if (PyTuple_GET_SIZE(values) != n) {
        PyErr_Format(PyExc_TypeError, "%s takes %zd values, %zd given", cls->tp_name, n, PyTuple_GET_SIZE(values));
        return NULL;
    }
    for (k = 0; k < n; k++) {
        PyObject *d = PyTuple_GET_ITEM(descriptors, k);
        PyMemberDef *member;
        if (!PyObject_TypeCheck(d, &PyMemberDescr_Type) || !PyType_IsSubtype(cls, PyDescr_TYPE(d))) {
            PyErr_SetString(PyExc_TypeError, "make(): descriptors must be member descriptors of cls");
            return NULL;
        }
        member = ((PyMemberDescrObject *)d)->d_member;
        if (member->type != T_OBJECT_EX || (member->flags & READONLY)) {
            PyErr_SetString(PyExc_TypeError, "make(): descriptors must be writable object slots");
            return NULL;
        }
    }
    /* object.__new__(cls), what the reference calls: only for a class whose instances it makes
     * (a C base with a __new__ of its own would be left uninitialised) */
    if (cls->tp_new != PyBaseObject_Type.tp_new || (cls->tp_flags & Py_TPFLAGS_IS_ABSTRACT) || !cls->tp_alloc) {
        PyErr_SetString(PyExc_TypeError, "make(): cls must be a class that object.__new__ makes");
        return NULL;
    }
    obj = cls->tp_alloc(cls, 0);
    if (!obj)
        return NULL;
    for (k = 0; k < n; k++) {
        PyMemberDef *member = ((PyMemberDescrObject *)PyTuple_GET_ITEM(descriptors, k))->d_member;
        if (PyMember_SetOne((char *)obj, member, PyTuple_GET_ITEM(values, k)) < 0) {
            Py_DECREF(obj);
            return NULL;
        }
    }
    return obj;
}

static PyMethodDef records_methods[] = {
    {"make", (PyCFunction)(void (*)(void))records_make, METH_FASTCALL, make_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef records_module = {
    PyModuleDef_HEAD_INIT, "framing._accel.records",
    "Frozen slots dataclass instances built without their generated __init__ (framing.records.fast_constructor), compiled.",
    -1, records_methods,
};

PyMODINIT_FUNC PyInit_records(void)
{
    return PyModule_Create(&records_module);
}
