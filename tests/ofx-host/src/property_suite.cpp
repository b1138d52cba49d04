// property_suite.cpp: property sets and the OfxPropertySuiteV1 the host hands out. Strict where plugins
// can be wrong: reading an unknown property is ErrUnknown, a wrong index is ErrBadIndex, and writing a
// property with a different type than it has is ErrValue.
#include "host.h"

namespace ofxhost {

int Property::size() const {
    switch (type) {
    case PropType::String: return static_cast<int>(strings.size());
    case PropType::Int: return static_cast<int>(ints.size());
    case PropType::Double: return static_cast<int>(doubles.size());
    case PropType::Pointer: return static_cast<int>(pointers.size());
    }
    return 0;
}

void PropertySet::setString(const std::string& name, std::vector<std::string> values) {
    std::lock_guard<std::mutex> lock(mutex);
    Property& p = props[name];
    p = Property{};
    p.type = PropType::String;
    p.strings = std::move(values);
}

void PropertySet::setInt(const std::string& name, std::vector<int> values) {
    std::lock_guard<std::mutex> lock(mutex);
    Property& p = props[name];
    p = Property{};
    p.type = PropType::Int;
    p.ints = std::move(values);
}

void PropertySet::setDouble(const std::string& name, std::vector<double> values) {
    std::lock_guard<std::mutex> lock(mutex);
    Property& p = props[name];
    p = Property{};
    p.type = PropType::Double;
    p.doubles = std::move(values);
}

void PropertySet::setPointer(const std::string& name, void* value) {
    std::lock_guard<std::mutex> lock(mutex);
    Property& p = props[name];
    p = Property{};
    p.type = PropType::Pointer;
    p.pointers = {value};
}

std::optional<std::string> PropertySet::getString(const std::string& name, int index) const {
    std::lock_guard<std::mutex> lock(mutex);
    const auto it = props.find(name);
    if (it == props.end() || it->second.type != PropType::String || index >= it->second.size()) return std::nullopt;
    return it->second.strings[static_cast<size_t>(index)];
}

std::optional<int> PropertySet::getInt(const std::string& name, int index) const {
    std::lock_guard<std::mutex> lock(mutex);
    const auto it = props.find(name);
    if (it == props.end() || it->second.type != PropType::Int || index >= it->second.size()) return std::nullopt;
    return it->second.ints[static_cast<size_t>(index)];
}

std::optional<double> PropertySet::getDouble(const std::string& name, int index) const {
    std::lock_guard<std::mutex> lock(mutex);
    const auto it = props.find(name);
    if (it == props.end() || it->second.type != PropType::Double || index >= it->second.size()) return std::nullopt;
    return it->second.doubles[static_cast<size_t>(index)];
}

std::optional<void*> PropertySet::getPointer(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex);
    const auto it = props.find(name);
    if (it == props.end() || it->second.type != PropType::Pointer || it->second.pointers.empty()) return std::nullopt;
    return it->second.pointers[0];
}

std::vector<std::string> PropertySet::getStrings(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex);
    const auto it = props.find(name);
    return it == props.end() ? std::vector<std::string>{} : it->second.strings;
}

std::vector<int> PropertySet::getInts(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex);
    const auto it = props.find(name);
    return it == props.end() ? std::vector<int>{} : it->second.ints;
}

std::vector<double> PropertySet::getDoubles(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex);
    const auto it = props.find(name);
    return it == props.end() ? std::vector<double>{} : it->second.doubles;
}

bool PropertySet::has(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex);
    return props.count(name) != 0;
}

void PropertySet::copyFrom(const PropertySet& other) {
    std::scoped_lock lock(mutex, other.mutex);
    for (const auto& [k, v] : other.props) props[k] = v;
}

namespace {

PropertySet* set(OfxPropertySetHandle h) { return PropertySet::from(h); }

// Finds or creates a property of `type` and makes room for index; ErrValue when it exists with another type.
OfxStatus slot(PropertySet* ps, const char* name, PropType type, int index, Property*& out) {
    if (ps == nullptr || name == nullptr) return kOfxStatErrBadHandle;
    if (index < 0) return kOfxStatErrBadIndex;
    auto it = ps->props.find(name);
    if (it == ps->props.end()) {
        it = ps->props.emplace(name, Property{}).first;
        it->second.type = type;
    } else if (it->second.type != type) {
        return kOfxStatErrValue;
    }
    Property& p = it->second;
    const auto need = static_cast<size_t>(index) + 1;
    switch (type) {
    case PropType::String: if (p.strings.size() < need) p.strings.resize(need); break;
    case PropType::Int: if (p.ints.size() < need) p.ints.resize(need); break;
    case PropType::Double: if (p.doubles.size() < need) p.doubles.resize(need); break;
    case PropType::Pointer: if (p.pointers.size() < need) p.pointers.resize(need); break;
    }
    out = &p;
    return kOfxStatOK;
}

OfxStatus find(PropertySet* ps, const char* name, PropType type, int index, const Property*& out) {
    if (ps == nullptr || name == nullptr) return kOfxStatErrBadHandle;
    const auto it = ps->props.find(name);
    if (it == ps->props.end()) return kOfxStatErrUnknown;
    if (it->second.type != type) return kOfxStatErrValue;
    if (index < 0 || index >= it->second.size()) return kOfxStatErrBadIndex;
    out = &it->second;
    return kOfxStatOK;
}

OfxStatus propSetPointer(OfxPropertySetHandle h, const char* n, int i, void* v) {
    std::lock_guard<std::mutex> lock(set(h)->mutex);
    Property* p = nullptr;
    const OfxStatus st = slot(set(h), n, PropType::Pointer, i, p);
    if (st == kOfxStatOK) p->pointers[static_cast<size_t>(i)] = v;
    return st;
}
OfxStatus propSetString(OfxPropertySetHandle h, const char* n, int i, const char* v) {
    std::lock_guard<std::mutex> lock(set(h)->mutex);
    Property* p = nullptr;
    const OfxStatus st = slot(set(h), n, PropType::String, i, p);
    if (st == kOfxStatOK) p->strings[static_cast<size_t>(i)] = v != nullptr ? v : "";
    return st;
}
OfxStatus propSetDouble(OfxPropertySetHandle h, const char* n, int i, double v) {
    std::lock_guard<std::mutex> lock(set(h)->mutex);
    Property* p = nullptr;
    const OfxStatus st = slot(set(h), n, PropType::Double, i, p);
    if (st == kOfxStatOK) p->doubles[static_cast<size_t>(i)] = v;
    return st;
}
OfxStatus propSetInt(OfxPropertySetHandle h, const char* n, int i, int v) {
    std::lock_guard<std::mutex> lock(set(h)->mutex);
    Property* p = nullptr;
    const OfxStatus st = slot(set(h), n, PropType::Int, i, p);
    if (st == kOfxStatOK) p->ints[static_cast<size_t>(i)] = v;
    return st;
}

// The N setters replace the whole value (dimension = count).
template <typename T, typename Fn>
OfxStatus setN(OfxPropertySetHandle h, const char* n, PropType type, int count, const T* values, Fn member) {
    if (count < 0 || (count > 0 && values == nullptr)) return kOfxStatErrValue;
    std::lock_guard<std::mutex> lock(set(h)->mutex);
    Property* p = nullptr;
    const OfxStatus st = slot(set(h), n, type, 0, p);
    if (st != kOfxStatOK) return st;
    auto& vec = member(*p);
    vec.clear();
    for (int i = 0; i < count; ++i) vec.push_back(values[i]);
    return kOfxStatOK;
}
OfxStatus propSetPointerN(OfxPropertySetHandle h, const char* n, int c, void* const* v) {
    return setN(h, n, PropType::Pointer, c, v, [](Property& p) -> std::vector<void*>& { return p.pointers; });
}
OfxStatus propSetStringN(OfxPropertySetHandle h, const char* n, int c, const char* const* v) {
    if (c < 0 || (c > 0 && v == nullptr)) return kOfxStatErrValue;
    std::lock_guard<std::mutex> lock(set(h)->mutex);
    Property* p = nullptr;
    const OfxStatus st = slot(set(h), n, PropType::String, 0, p);
    if (st != kOfxStatOK) return st;
    p->strings.clear();
    for (int i = 0; i < c; ++i) p->strings.emplace_back(v[i] != nullptr ? v[i] : "");
    return kOfxStatOK;
}
OfxStatus propSetDoubleN(OfxPropertySetHandle h, const char* n, int c, const double* v) {
    return setN(h, n, PropType::Double, c, v, [](Property& p) -> std::vector<double>& { return p.doubles; });
}
OfxStatus propSetIntN(OfxPropertySetHandle h, const char* n, int c, const int* v) {
    return setN(h, n, PropType::Int, c, v, [](Property& p) -> std::vector<int>& { return p.ints; });
}

OfxStatus propGetPointer(OfxPropertySetHandle h, const char* n, int i, void** v) {
    std::lock_guard<std::mutex> lock(set(h)->mutex);
    const Property* p = nullptr;
    const OfxStatus st = find(set(h), n, PropType::Pointer, i, p);
    if (st == kOfxStatOK) *v = p->pointers[static_cast<size_t>(i)];
    return st;
}
OfxStatus propGetString(OfxPropertySetHandle h, const char* n, int i, char** v) {
    std::lock_guard<std::mutex> lock(set(h)->mutex);
    const Property* p = nullptr;
    const OfxStatus st = find(set(h), n, PropType::String, i, p);
    // The pointer stays valid until the property is next written, as hosts promise.
    if (st == kOfxStatOK) *v = const_cast<char*>(p->strings[static_cast<size_t>(i)].c_str());
    return st;
}
OfxStatus propGetDouble(OfxPropertySetHandle h, const char* n, int i, double* v) {
    std::lock_guard<std::mutex> lock(set(h)->mutex);
    const Property* p = nullptr;
    // Hosts commonly allow reading an int property as double; do the same.
    auto it = set(h)->props.find(n != nullptr ? n : "");
    if (it != set(h)->props.end() && it->second.type == PropType::Int) {
        const OfxStatus st = find(set(h), n, PropType::Int, i, p);
        if (st == kOfxStatOK) *v = p->ints[static_cast<size_t>(i)];
        return st;
    }
    const OfxStatus st = find(set(h), n, PropType::Double, i, p);
    if (st == kOfxStatOK) *v = p->doubles[static_cast<size_t>(i)];
    return st;
}
OfxStatus propGetInt(OfxPropertySetHandle h, const char* n, int i, int* v) {
    std::lock_guard<std::mutex> lock(set(h)->mutex);
    const Property* p = nullptr;
    const OfxStatus st = find(set(h), n, PropType::Int, i, p);
    if (st == kOfxStatOK) *v = p->ints[static_cast<size_t>(i)];
    return st;
}
template <typename T, typename Get>
OfxStatus getN(OfxPropertySetHandle h, const char* n, int count, T* out, Get get) {
    for (int i = 0; i < count; ++i) {
        const OfxStatus st = get(h, n, i, out + i);
        if (st != kOfxStatOK) return st;
    }
    return kOfxStatOK;
}
OfxStatus propGetPointerN(OfxPropertySetHandle h, const char* n, int c, void** v) { return getN(h, n, c, v, propGetPointer); }
OfxStatus propGetStringN(OfxPropertySetHandle h, const char* n, int c, char** v) { return getN(h, n, c, v, propGetString); }
OfxStatus propGetDoubleN(OfxPropertySetHandle h, const char* n, int c, double* v) { return getN(h, n, c, v, propGetDouble); }
OfxStatus propGetIntN(OfxPropertySetHandle h, const char* n, int c, int* v) { return getN(h, n, c, v, propGetInt); }

OfxStatus propReset(OfxPropertySetHandle h, const char* n) {
    std::lock_guard<std::mutex> lock(set(h)->mutex);
    return set(h)->props.count(n) ? kOfxStatOK : kOfxStatErrUnknown;
}
OfxStatus propGetDimension(OfxPropertySetHandle h, const char* n, int* count) {
    std::lock_guard<std::mutex> lock(set(h)->mutex);
    const auto it = set(h)->props.find(n);
    if (it == set(h)->props.end()) return kOfxStatErrUnknown;
    *count = it->second.size();
    return kOfxStatOK;
}

const OfxPropertySuiteV1 kSuite{propSetPointer,  propSetString,  propSetDouble,  propSetInt,      propSetPointerN,
                                propSetStringN,  propSetDoubleN, propSetIntN,    propGetPointer,  propGetString,
                                propGetDouble,   propGetInt,     propGetPointerN, propGetStringN, propGetDoubleN,
                                propGetIntN,     propReset,      propGetDimension};

} // namespace

const OfxPropertySuiteV1* propertySuite() { return &kSuite; }

} // namespace ofxhost
