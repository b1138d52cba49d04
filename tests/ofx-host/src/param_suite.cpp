// param_suite.cpp: params and OfxParameterSuiteV1, including the variadic get/set functions. Values do not
// animate in this host; paramGetValueAtTime answers the same value at every time and counts its calls so
// tests can check that plugins read params at the render time.
#include "host.h"

#include <cstdarg>
#include <cstdlib>
#include <sstream>

namespace ofxhost {
namespace {

int arity(const std::string& type) {
    if (type == kOfxParamTypeDouble2D || type == kOfxParamTypeInteger2D) return 2;
    if (type == kOfxParamTypeDouble3D || type == kOfxParamTypeInteger3D || type == kOfxParamTypeRGB) return 3;
    if (type == kOfxParamTypeRGBA) return 4;
    if (type == kOfxParamTypeString || type == kOfxParamTypeCustom || type == kOfxParamTypePage ||
        type == kOfxParamTypeGroup || type == kOfxParamTypePushButton || type == kOfxParamTypeStrChoice)
        return 0;
    return 1;
}

bool isIntType(const std::string& type) {
    return type == kOfxParamTypeInteger || type == kOfxParamTypeBoolean || type == kOfxParamTypeChoice ||
           type == kOfxParamTypeInteger2D || type == kOfxParamTypeInteger3D;
}

bool hasValue(const std::string& type) {
    return type != kOfxParamTypePage && type != kOfxParamTypeGroup && type != kOfxParamTypePushButton;
}

// Writes the value through the caller's pointers: one int*/double* per dimension, or a char** for strings.
OfxStatus getInto(Param* p, va_list ap) {
    if (p == nullptr) return kOfxStatErrBadHandle;
    if (!hasValue(p->type)) return kOfxStatErrUnsupported;
    if (p->unreadable) return kOfxStatFailed;
    std::lock_guard<std::mutex> lock(p->mutex);
    const int n = arity(p->type);
    if (n == 0) {
        char** out = va_arg(ap, char**);
        *out = const_cast<char*>(p->text.c_str());
        return kOfxStatOK;
    }
    for (int i = 0; i < n; ++i) {
        const double v = i < static_cast<int>(p->numbers.size()) ? p->numbers[static_cast<size_t>(i)] : 0.0;
        if (isIntType(p->type)) *va_arg(ap, int*) = static_cast<int>(v);
        else *va_arg(ap, double*) = v;
    }
    return kOfxStatOK;
}

OfxStatus setFrom(Param* p, va_list ap) {
    if (p == nullptr) return kOfxStatErrBadHandle;
    if (!hasValue(p->type)) return kOfxStatErrUnsupported;
    std::lock_guard<std::mutex> lock(p->mutex);
    const int n = arity(p->type);
    if (n == 0) {
        const char* text = va_arg(ap, const char*);
        p->text = text != nullptr ? text : "";
        return kOfxStatOK;
    }
    p->numbers.resize(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
        p->numbers[static_cast<size_t>(i)] = isIntType(p->type) ? va_arg(ap, int) : va_arg(ap, double);
    return kOfxStatOK;
}

OfxStatus paramDefine(OfxParamSetHandle set, const char* type, const char* name, OfxPropertySetHandle* props) {
    ParamSet* ps = ParamSet::from(set);
    if (ps == nullptr || type == nullptr || name == nullptr) return kOfxStatErrBadHandle;
    if (ps->find(name) != nullptr) return kOfxStatErrExists;
    auto p = std::make_unique<Param>();
    p->type = type;
    p->name = name;
    p->props.setString(kOfxPropType, {kOfxTypeParameter});
    p->props.setString(kOfxPropName, {name});
    p->props.setString(kOfxParamPropType, {type});
    // Like Nuke and Natron, this host can draw a native viewer handle for a 2D double (unless a case plays Resolve).
    if (p->type == kOfxParamTypeDouble2D && currentHost().options().nativeHandles)
        p->props.setInt(kOfxParamPropHasHostOverlayHandle, {1});
    if (props != nullptr) *props = p->props.handle();
    ps->params.push_back(std::move(p));
    return kOfxStatOK;
}

OfxStatus paramGetHandle(OfxParamSetHandle set, const char* name, OfxParamHandle* param, OfxPropertySetHandle* props) {
    ParamSet* ps = ParamSet::from(set);
    if (ps == nullptr || name == nullptr) return kOfxStatErrBadHandle;
    Param* p = ps->find(name);
    if (p == nullptr) return kOfxStatErrUnknown;
    if (param != nullptr) *param = p->handle();
    if (props != nullptr) *props = p->props.handle();
    return kOfxStatOK;
}

OfxStatus paramSetGetPropertySet(OfxParamSetHandle set, OfxPropertySetHandle* props) {
    if (set == nullptr || props == nullptr) return kOfxStatErrBadHandle;
    *props = ParamSet::from(set)->props.handle();
    return kOfxStatOK;
}

OfxStatus paramGetPropertySet(OfxParamHandle param, OfxPropertySetHandle* props) {
    if (param == nullptr || props == nullptr) return kOfxStatErrBadHandle;
    *props = Param::from(param)->props.handle();
    return kOfxStatOK;
}

OfxStatus paramGetValue(OfxParamHandle param, ...) {
    va_list ap;
    va_start(ap, param);
    const OfxStatus st = getInto(Param::from(param), ap);
    va_end(ap);
    return st;
}

OfxStatus paramGetValueAtTime(OfxParamHandle param, OfxTime time, ...) {
    va_list ap;
    va_start(ap, time);
    Param* p = Param::from(param);
    if (p != nullptr) ++p->readsAtTime;
    const OfxStatus st = getInto(p, ap);
    va_end(ap);
    return st;
}

OfxStatus paramGetDerivative(OfxParamHandle param, OfxTime time, ...) {
    Param* p = Param::from(param);
    if (p == nullptr) return kOfxStatErrBadHandle;
    if (isIntType(p->type) || arity(p->type) == 0) return kOfxStatErrUnsupported;
    va_list ap;
    va_start(ap, time);
    for (int i = 0; i < arity(p->type); ++i) *va_arg(ap, double*) = 0.0; // constant values
    va_end(ap);
    return kOfxStatOK;
}

OfxStatus paramGetIntegral(OfxParamHandle param, OfxTime t1, OfxTime t2, ...) {
    Param* p = Param::from(param);
    if (p == nullptr) return kOfxStatErrBadHandle;
    if (isIntType(p->type) || arity(p->type) == 0) return kOfxStatErrUnsupported;
    va_list ap;
    va_start(ap, t2);
    std::lock_guard<std::mutex> lock(p->mutex);
    for (int i = 0; i < arity(p->type); ++i)
        *va_arg(ap, double*) = (i < static_cast<int>(p->numbers.size()) ? p->numbers[static_cast<size_t>(i)] : 0) * (t2 - t1);
    va_end(ap);
    return kOfxStatOK;
}

OfxStatus paramSetValue(OfxParamHandle param, ...) {
    va_list ap;
    va_start(ap, param);
    const OfxStatus st = setFrom(Param::from(param), ap);
    va_end(ap);
    return st;
}

OfxStatus paramSetValueAtTime(OfxParamHandle param, OfxTime time, ...) {
    va_list ap;
    va_start(ap, time);
    const OfxStatus st = setFrom(Param::from(param), ap);
    va_end(ap);
    return st;
}

OfxStatus paramGetNumKeys(OfxParamHandle param, unsigned int* n) {
    if (param == nullptr || n == nullptr) return kOfxStatErrBadHandle;
    *n = 0;
    return kOfxStatOK;
}
OfxStatus paramGetKeyTime(OfxParamHandle, unsigned int, OfxTime*) { return kOfxStatErrBadIndex; }
OfxStatus paramGetKeyIndex(OfxParamHandle, OfxTime, int, int*) { return kOfxStatFailed; }
OfxStatus paramDeleteKey(OfxParamHandle, OfxTime) { return kOfxStatErrBadIndex; }
OfxStatus paramDeleteAllKeys(OfxParamHandle) { return kOfxStatOK; }
OfxStatus paramCopy(OfxParamHandle to, OfxParamHandle from, OfxTime, const OfxRangeD*) {
    Param* a = Param::from(to);
    Param* b = Param::from(from);
    if (a == nullptr || b == nullptr || a->type != b->type) return kOfxStatErrValue;
    std::scoped_lock lock(a->mutex, b->mutex);
    a->numbers = b->numbers;
    a->text = b->text;
    return kOfxStatOK;
}
OfxStatus paramEditBegin(OfxParamSetHandle, const char*) { return kOfxStatOK; }
OfxStatus paramEditEnd(OfxParamSetHandle) { return kOfxStatOK; }

const OfxParameterSuiteV1 kSuite{paramDefine,       paramGetHandle,      paramSetGetPropertySet, paramGetPropertySet,
                                 paramGetValue,     paramGetValueAtTime, paramGetDerivative, paramGetIntegral,
                                 paramSetValue,     paramSetValueAtTime, paramGetNumKeys,        paramGetKeyTime,
                                 paramGetKeyIndex,  paramDeleteKey,      paramDeleteAllKeys,     paramCopy,
                                 paramEditBegin,    paramEditEnd};

} // namespace

void Param::resetToDefault() {
    std::lock_guard<std::mutex> lock(mutex);
    const int n = arity(type);
    if (n == 0) {
        text = props.getString(kOfxParamPropDefault).value_or("");
        return;
    }
    numbers.assign(static_cast<size_t>(n), 0.0);
    for (int i = 0; i < n; ++i) {
        if (isIntType(type)) numbers[static_cast<size_t>(i)] = props.getInt(kOfxParamPropDefault, i).value_or(0);
        else numbers[static_cast<size_t>(i)] = props.getDouble(kOfxParamPropDefault, i).value_or(0.0);
    }
    // Only the default is normalised: values are always get/set in canonical coordinates (project offset 0).
    if (type == kOfxParamTypeDouble2D &&
        props.getString(kOfxParamPropDefaultCoordinateSystem).value_or("") == kOfxParamCoordinatesNormalised) {
        const std::string doubleType = props.getString(kOfxParamPropDoubleType).value_or("");
        if (doubleType == kOfxParamDoubleTypeXY || doubleType == kOfxParamDoubleTypeXYAbsolute) {
            numbers[0] *= kProjectWidth;
            numbers[1] *= kProjectHeight;
        }
    }
}

Param* ParamSet::find(const std::string& name) const {
    for (const auto& p : params)
        if (p->name == name) return p.get();
    return nullptr;
}

bool setParamFromText(Param& p, const std::string& text, const std::vector<std::string>& choiceValues,
                      std::string& error) {
    std::lock_guard<std::mutex> lock(p.mutex);
    if (p.type == kOfxParamTypeString) {
        p.text = text;
        return true;
    }
    if (p.type == kOfxParamTypeBoolean) {
        if (text == "1" || text == "true" || text == "yes" || text == "on") p.numbers = {1};
        else if (text == "0" || text == "false" || text == "no" || text == "off") p.numbers = {0};
        else return error = "param '" + p.name + "' wants true/false, got '" + text + "'", false;
        return true;
    }
    if (p.type == kOfxParamTypeChoice) {
        const auto labels = p.props.getStrings(kOfxParamPropChoiceOption);
        for (size_t i = 0; i < choiceValues.size(); ++i)
            if (choiceValues[i] == text) return p.numbers = {static_cast<double>(i)}, true;
        for (size_t i = 0; i < labels.size(); ++i)
            if (labels[i] == text) return p.numbers = {static_cast<double>(i)}, true;
        char* end = nullptr;
        const long index = std::strtol(text.c_str(), &end, 10);
        if (end != text.c_str() && *end == '\0' && index >= 0 && static_cast<size_t>(index) < labels.size())
            return p.numbers = {static_cast<double>(index)}, true;
        return error = "param '" + p.name + "' has no option '" + text + "'", false;
    }
    std::vector<double> values;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        char* end = nullptr;
        const double v = std::strtod(item.c_str(), &end);
        if (end == item.c_str() || *end != '\0') return error = "param '" + p.name + "': '" + text + "' is not a number list", false;
        values.push_back(v);
    }
    if (static_cast<int>(values.size()) != arity(p.type))
        return error = "param '" + p.name + "' wants " + std::to_string(arity(p.type)) + " number(s), got '" + text + "'", false;
    p.numbers = values;
    return true;
}

const OfxParameterSuiteV1* parameterSuite() { return &kSuite; }

} // namespace ofxhost
