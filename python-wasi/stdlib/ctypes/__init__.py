"""Stand-in for ctypes: C types and their sizes, without native libraries.

The sandbox cannot load a shared library or call native code, but many packages import ctypes
at top level, define structures and ask sizes. Here the C types, arrays, structures, unions
and pointers exist with the sizes and alignments of wasm32 (int, long and pointers are 4
bytes), and hold Python values; loading a library, making a callback or touching raw memory
raises OSError saying the sandbox has no native libraries.
"""

import errno as _errno
import struct as _struct

__sandbox_stand_in__ = True
__version__ = "1.1.0"

_NO_NATIVE = ("the sandbox has no native libraries: ctypes here describes C types but cannot "
              "load a library, call native code or touch raw memory")

RTLD_LOCAL, RTLD_GLOBAL = 0, 256
DEFAULT_MODE = RTLD_LOCAL


def _no_native(*args, **kwargs):
    raise OSError(_errno.ENOTSUP, _NO_NATIVE)


class ArgumentError(Exception):
    pass


class _CDataType(type):
    def __mul__(cls, length):
        return _array_type(cls, length)

    __rmul__ = __mul__


class _CData(metaclass=_CDataType):
    _size_ = 0
    _align_ = 1

    @classmethod
    def from_param(cls, obj):
        return obj

    from_address = from_buffer = classmethod(_no_native)
    in_dll = classmethod(_no_native)

    def _default(self):
        return self


# --- Simple types ----------------------------------------------------------------------------

class _SimpleCData(_CData):
    _type_ = "i"
    _zero = 0

    def __init__(self, value=None):
        self.value = self._zero if value is None else value

    @classmethod
    def from_buffer_copy(cls, source, offset=0):
        if cls._type_ in "zZP":
            _no_native()
        (value,) = _struct.unpack_from(cls._type_, source, offset)
        return cls(value)

    def __bool__(self):
        return bool(self.value)

    def __repr__(self):
        return f"{type(self).__name__}({self.value!r})"

    def __bytes__(self):
        if self._type_ in "zZP":
            _no_native()
        return _struct.pack(self._type_, self.value)

    def _default(self):
        return self.value


def _simple(name, code, zero=0, size=None):
    size = _struct.calcsize(code if code not in "zZ" else "P") if size is None else size
    return type(name, (_SimpleCData,), {"_type_": code, "_zero": zero, "_size_": size,
                                        "_align_": size})


c_bool = _simple("c_bool", "?", False)
c_char = _simple("c_char", "c", b"\0")
c_wchar = _simple("c_wchar", "u", "\0", size=4)
c_byte = _simple("c_byte", "b")
c_ubyte = _simple("c_ubyte", "B")
c_short = _simple("c_short", "h")
c_ushort = _simple("c_ushort", "H")
c_int = _simple("c_int", "i")
c_uint = _simple("c_uint", "I")
c_long = _simple("c_long", "l")
c_ulong = _simple("c_ulong", "L")
c_longlong = _simple("c_longlong", "q")
c_ulonglong = _simple("c_ulonglong", "Q")
c_size_t = _simple("c_size_t", "N")
c_ssize_t = _simple("c_ssize_t", "n")
c_float = _simple("c_float", "f", 0.0)
c_double = _simple("c_double", "d", 0.0)
c_longdouble = _simple("c_longdouble", "g", 0.0, size=16)
c_char_p = _simple("c_char_p", "z", None)
c_wchar_p = _simple("c_wchar_p", "Z", None)
c_void_p = _simple("c_void_p", "P", None)
py_object = _simple("py_object", "O", None, size=_struct.calcsize("P"))
c_int8, c_uint8 = c_byte, c_ubyte
c_int16, c_uint16 = c_short, c_ushort
c_int32, c_uint32 = c_int, c_uint
c_int64, c_uint64 = c_longlong, c_ulonglong
c_time_t = c_longlong
c_voidp = c_void_p


# --- Arrays, structures, unions, pointers ----------------------------------------------------

class Array(_CData):
    _type_ = c_int
    _length_ = 0

    def __init__(self, *values):
        if len(values) > self._length_:
            raise IndexError("too many initializers")
        self._items = [_zero_of(self._type_) for _ in range(self._length_)]
        self._items[:len(values)] = values

    def __len__(self):
        return self._length_

    def __getitem__(self, index):
        return self._items[index]

    def __setitem__(self, index, value):
        self._items[index] = value

    def __iter__(self):
        return iter(self._items)

    @property
    def value(self):
        items = self._items
        if self._type_ is c_char:
            return b"".join(items).split(b"\0", 1)[0]
        if self._type_ is c_wchar:
            return "".join(items).split("\0", 1)[0]
        raise AttributeError("value")

    @value.setter
    def value(self, value):
        if self._type_ not in (c_char, c_wchar) or len(value) > self._length_:
            raise ValueError("string too long")
        items = [value[i:i + 1] for i in range(len(value))]
        self._items[:len(items)] = items
        if len(items) < self._length_:
            self._items[len(items)] = self._type_._zero

    @property
    def raw(self):
        if self._type_ is not c_char:
            raise AttributeError("raw")
        return b"".join(self._items)

    def _default(self):
        return self


_arrays = {}


def _array_type(element, length):
    if not isinstance(length, int) or length < 0:
        raise ValueError("array length must be a non-negative int")
    key = (element, length)
    if key not in _arrays:
        _arrays[key] = type(f"{element.__name__}_Array_{length}", (Array,), {
            "_type_": element, "_length_": length,
            "_size_": sizeof(element) * length, "_align_": alignment(element)})
    return _arrays[key]


def _zero_of(ctype):
    return ctype()._default()


class _StructType(_CDataType):
    def __setattr__(cls, name, value):
        super().__setattr__(name, value)
        if name == "_fields_":
            cls._layout()


class Structure(_CData, metaclass=_StructType):
    _union = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_fields_" in cls.__dict__:
            cls._layout()

    @classmethod
    def _layout(cls):
        """Offsets, size and alignment as a C compiler for wasm32 lays the fields out."""
        pack = getattr(cls, "_pack_", 0)
        offset = size = bits_left = 0
        align = 1
        for field in cls.__dict__.get("_fields_", ()):
            ftype = field[1]
            fsize, falign = sizeof(ftype), alignment(ftype)
            if pack:
                falign = min(falign, pack)
            align = max(align, falign)
            if len(field) == 3 and not cls._union:
                if field[2] <= bits_left:
                    bits_left -= field[2]
                    continue
                bits_left = fsize * 8 - field[2]
            else:
                bits_left = 0
            if cls._union:
                size = max(size, fsize)
                continue
            offset = -(-offset // falign) * falign
            offset += fsize
        size = max(size, offset)
        type.__setattr__(cls, "_align_", align)
        type.__setattr__(cls, "_size_", -(-size // align) * align)

    def __init__(self, *args, **kwargs):
        names = [f[0] for f in type(self)._all_fields()]
        if len(args) > len(names):
            raise TypeError("too many initializers")
        for name, ftype in ((f[0], f[1]) for f in type(self)._all_fields()):
            object.__setattr__(self, name, _zero_of(ftype))
        for name, value in zip(names, args):
            setattr(self, name, value)
        for name, value in kwargs.items():
            setattr(self, name, value)

    @classmethod
    def _all_fields(cls):
        fields = []
        for klass in reversed(cls.__mro__):
            fields.extend(klass.__dict__.get("_fields_", ()))
        return fields

    def __setattr__(self, name, value):
        if isinstance(value, _SimpleCData):
            value = value.value
        object.__setattr__(self, name, value)


class Union(Structure):
    _union = True


BigEndianStructure = LittleEndianStructure = Structure
BigEndianUnion = LittleEndianUnion = Union


class _Pointer(_CData):
    _type_ = None
    _size_ = _align_ = _struct.calcsize("P")

    def __init__(self, target=None):
        self._target = target

    @property
    def contents(self):
        if self._target is None:
            raise ValueError("NULL pointer access")
        return self._target

    @contents.setter
    def contents(self, target):
        self._target = target

    def __bool__(self):
        return self._target is not None

    def __getitem__(self, index):
        if index != 0:
            _no_native()
        return self.contents._default()


_pointer_types = {}


def POINTER(ctype):
    if ctype not in _pointer_types:
        name = f"LP_{getattr(ctype, '__name__', ctype)}"
        _pointer_types[ctype] = type(name, (_Pointer,), {"_type_": ctype})
    return _pointer_types[ctype]


def pointer(obj):
    return POINTER(type(obj))(obj)


class _CArgObject:
    def __init__(self, obj, offset):
        self._obj, self._offset = obj, offset

    def __repr__(self):
        return f"<cparam 'P' ({self._obj!r})>"


def byref(obj, offset=0):
    return _CArgObject(obj, offset)


def sizeof(obj_or_type):
    ctype = obj_or_type if isinstance(obj_or_type, type) else type(obj_or_type)
    if not issubclass(ctype, _CData):
        raise TypeError("this type has no size")
    return ctype._size_


def alignment(obj_or_type):
    ctype = obj_or_type if isinstance(obj_or_type, type) else type(obj_or_type)
    if not issubclass(ctype, _CData):
        raise TypeError("no alignment info")
    return ctype._align_


def _buffer(ctype, init, size):
    """An array of `init` `ctype`s, or of `init`'s items and a terminating zero."""
    if isinstance(init, int):
        return (ctype * init)()
    size = len(init) + 1 if size is None else size
    buf = (ctype * size)()
    buf.value = init
    return buf


def create_string_buffer(init, size=None):
    return _buffer(c_char, init, size)


def create_unicode_buffer(init, size=None):
    return _buffer(c_wchar, init, size)


def _reset_cache():
    """CPython's clears its type caches (regrtest calls it between tests); this keeps none."""


c_buffer = create_string_buffer
addressof = cast = memmove = memset = string_at = wstring_at = resize = _no_native


def get_errno():
    return 0


def set_errno(value):
    return 0


# --- Libraries and functions: none can be loaded ---------------------------------------------

class CDLL:
    """Always raises OSError: there is no native library to load."""

    def __init__(self, name, mode=DEFAULT_MODE, handle=None, use_errno=False,
                 use_last_error=False, winmode=None):
        raise OSError(_errno.ENOTSUP, f"cannot load library {name!r}: {_NO_NATIVE}")


class PyDLL(CDLL):
    pass


class LibraryLoader:
    def __init__(self, dlltype):
        self._dlltype = dlltype

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._dlltype(name)

    __getitem__ = __getattr__

    def LoadLibrary(self, name):
        return self._dlltype(name)


cdll = LibraryLoader(CDLL)
pydll = LibraryLoader(PyDLL)


class _NoPythonApi:
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        _no_native()


pythonapi = _NoPythonApi()


class _CFuncPtr(_CData):
    _size_ = _align_ = _struct.calcsize("P")
    _argtypes_ = ()
    _restype_ = c_int
    __init__ = _no_native


def CFUNCTYPE(restype, *argtypes, use_errno=False, use_last_error=False):
    return type("CFunctionType", (_CFuncPtr,), {"_restype_": restype,
                                                "_argtypes_": argtypes})


PYFUNCTYPE = CFUNCTYPE
