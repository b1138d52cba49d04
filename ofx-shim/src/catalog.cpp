// catalog.cpp: reading effects.json (schemaVersion 1) with nlohmann::json.
#include "catalog.h"

#include "bundle.h"
#include "suites.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace runway::ofx {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key, const std::string& fallback = "") {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

bool flag(const json& j, const char* key, bool fallback) {
    const auto it = j.find(key);
    return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

std::optional<double> number(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

ParamKind parseKind(const std::string& kind, const std::string& param) {
    if (kind == "double") return ParamKind::Double;
    if (kind == "integer") return ParamKind::Integer;
    if (kind == "boolean") return ParamKind::Boolean;
    if (kind == "choice") return ParamKind::Choice;
    if (kind == "string") return ParamKind::String;
    if (kind == "double2d") return ParamKind::Double2D;
    if (kind == "rgba") return ParamKind::Rgba;
    throw std::runtime_error("param '" + param + "' has unknown kind '" + kind + "'");
}

size_t arity(ParamKind kind) {
    switch (kind) {
    case ParamKind::Double2D: return 2;
    case ParamKind::Rgba: return 4;
    case ParamKind::String:
    case ParamKind::Choice: return 0;
    default: return 1;
    }
}

ParamDef parseParam(const json& j) {
    ParamDef p;
    p.name = str(j, "name");
    if (p.name.empty()) throw std::runtime_error("a param has no name");
    p.label = str(j, "label", p.name);
    p.kind = parseKind(str(j, "kind"), p.name);
    p.hint = str(j, "hint");
    p.min = number(j, "min");
    p.max = number(j, "max");
    p.displayMin = number(j, "displayMin");
    p.displayMax = number(j, "displayMax");
    p.spatial = flag(j, "spatial", false);
    if (p.kind == ParamKind::Double2D) {
        // Older effects.json files have no "coordinates": their Double2Ds stay plain numbers.
        const std::string coordinates = str(j, "coordinates", "plain");
        if (coordinates == "position") p.coordinates = ParamCoordinates::Position;
        else if (coordinates == "size") p.coordinates = ParamCoordinates::Size;
        else if (coordinates != "plain")
            throw std::runtime_error("param '" + p.name + "' has unknown coordinates '" + coordinates + "'");
        if (const auto it = j.find("defaultNormalised");
            it != j.end() && it->is_array() && it->size() == 2 && (*it)[0].is_number() && (*it)[1].is_number())
            p.defaultNormalised = {(*it)[0].get<double>(), (*it)[1].get<double>()};
    }
    p.animates = flag(j, "animates", true);
    p.page = str(j, "page", "Controls");
    if (const auto it = j.find("options"); it != j.end() && it->is_array()) {
        for (const auto& o : *it) p.options.push_back({str(o, "value"), str(o, "label", str(o, "value"))});
    }
    if (p.kind == ParamKind::Choice && p.options.empty())
        throw std::runtime_error("choice param '" + p.name + "' has no options");

    const auto def = j.find("default");
    const size_t n = arity(p.kind);
    if (n == 0) {
        if (def != j.end() && def->is_string()) p.defaultText = def->get<std::string>();
        else if (p.kind == ParamKind::Choice) p.defaultText = p.options.front().value;
    } else {
        p.defaultNumbers.assign(n, 0.0);
        if (def != j.end()) {
            if (def->is_array()) {
                for (size_t i = 0; i < n && i < def->size(); ++i)
                    if ((*def)[i].is_number()) p.defaultNumbers[i] = (*def)[i].get<double>();
            } else if (def->is_boolean()) {
                p.defaultNumbers[0] = def->get<bool>() ? 1.0 : 0.0;
            } else if (def->is_number()) {
                p.defaultNumbers[0] = def->get<double>();
            }
        }
    }
    return p;
}

ClipDef parseClip(const json& j) {
    ClipDef c;
    c.name = str(j, "name");
    if (c.name.empty()) throw std::runtime_error("a clip has no name");
    c.label = str(j, "label", c.name);
    c.optional = flag(j, "optional", false);
    c.isMask = flag(j, "isMask", false);
    c.hint = str(j, "hint");
    if (const auto it = j.find("components"); it != j.end() && it->is_array())
        for (const auto& s : *it)
            if (s.is_string()) c.components.push_back(s.get<std::string>());
    if (c.components.empty()) c.components = {"RGBA", "RGB", "Alpha"};
    return c;
}

OverlayDef parseOverlay(const json& j, const EffectDef& effect) {
    OverlayDef o;
    const std::string shape = str(j, "shape", "point");
    if (shape == "point") o.shape = OverlayShape::Point;
    else if (shape == "rectangle") o.shape = OverlayShape::Rectangle;
    else if (shape == "ellipse") o.shape = OverlayShape::Ellipse;
    else throw std::runtime_error("overlay has unknown shape '" + shape + "'");
    const std::string role = str(j, "role", "neutral");
    o.role = role == "include" ? OverlayRole::Include : role == "exclude" ? OverlayRole::Exclude : OverlayRole::Neutral;
    o.position = str(j, "position");
    o.size = str(j, "size");
    // The interact reads these params by name; a dangling name is a build mistake, caught when the bundle loads.
    const auto needs = [&](const std::string& name, ParamCoordinates coordinates, const char* what) {
        const ParamDef* p = effect.findParam(name);
        if (p == nullptr || p->kind != ParamKind::Double2D || p->coordinates != coordinates)
            throw std::runtime_error(std::string("overlay ") + what + " '" + name + "' is not a " + what + " Double2D param");
    };
    needs(o.position, ParamCoordinates::Position, "position");
    if (o.shape != OverlayShape::Point) needs(o.size, ParamCoordinates::Size, "size");
    if (const auto w = j.find("visibleWhen"); w != j.end() && w->is_object()) {
        o.whenParam = str(*w, "param");
        const ParamDef* gate = effect.findParam(o.whenParam);
        if (gate == nullptr || (gate->kind != ParamKind::Boolean && gate->kind != ParamKind::Choice))
            throw std::runtime_error("overlay condition '" + o.whenParam + "' is not a boolean or choice param");
        if (const auto v = w->find("values"); v != w->end() && v->is_array())
            for (const auto& s : *v)
                if (s.is_string()) o.whenValues.push_back(s.get<std::string>());
    }
    return o;
}

EffectDef parseEffect(const json& j) {
    EffectDef e;
    e.id = str(j, "id");
    if (e.id.empty()) throw std::runtime_error("an effect has no id");
    try {
        e.label = str(j, "label", e.id);
        e.group = str(j, "group", "Runway");
        e.description = str(j, "description");
        if (const auto v = j.find("version"); v != j.end() && v->is_object()) {
            e.versionMajor = static_cast<unsigned>(number(*v, "major").value_or(1));
            e.versionMinor = static_cast<unsigned>(number(*v, "minor").value_or(0));
        }
        if (const auto it = j.find("contexts"); it != j.end() && it->is_array())
            for (const auto& s : *it)
                if (s.is_string()) e.contexts.push_back(s.get<std::string>());
        e.threadSafety = str(j, "threadSafety", "FullySafe");
        if (const auto f = j.find("framesNeeded"); f != j.end() && f->is_object()) {
            e.framesBefore = static_cast<int>(number(*f, "before").value_or(0));
            e.framesAfter = static_cast<int>(number(*f, "after").value_or(0));
            e.framesLimitParam = str(*f, "limitParam", "");
            e.framesInteractiveLimit = static_cast<int>(number(*f, "interactiveLimit").value_or(-1));
        }
        e.identityWithoutMask = flag(j, "identityWithoutMask", false);
        if (const auto x = j.find("extends"); x != j.end() && x->is_object()) {
            e.extendsFramesParam = str(*x, "framesParam");
            e.extendsDirectionParam = str(*x, "directionParam");
            if (e.extendsFramesParam.empty() || e.extendsDirectionParam.empty())
                throw std::runtime_error("\"extends\" needs both framesParam and directionParam");
        }
        if (const auto it = j.find("clips"); it != j.end() && it->is_array())
            for (const auto& c : *it) e.clips.push_back(parseClip(c));
        if (const auto it = j.find("params"); it != j.end() && it->is_array())
            for (const auto& p : *it) e.params.push_back(parseParam(p));
        if (const auto it = j.find("overlays"); it != j.end() && it->is_array())
            for (const auto& o : *it) e.overlays.push_back(parseOverlay(o, e));
    } catch (const std::exception& ex) {
        throw std::runtime_error("effect '" + e.id + "': " + ex.what());
    }
    return e;
}

Catalog readCatalogFile(const std::string& path) {
    Catalog result;
    result.path = path;
    std::ifstream in(path);
    if (!in) {
        result.error = "cannot open " + path;
        return result;
    }
    std::stringstream text;
    text << in.rdbuf();
    try {
        Catalog parsed = parseCatalog(text.str());
        parsed.path = path;
        return parsed;
    } catch (const std::exception& ex) {
        result.error = path + ": " + ex.what();
        return result;
    }
}

} // namespace

int ParamDef::defaultChoiceIndex() const {
    for (size_t i = 0; i < options.size(); ++i)
        if (options[i].value == defaultText) return static_cast<int>(i);
    return 0;
}

const ClipDef* EffectDef::findClip(const std::string& name) const {
    for (const auto& c : clips)
        if (c.name == name) return &c;
    return nullptr;
}

const ParamDef* EffectDef::findParam(const std::string& name) const {
    for (const auto& p : params)
        if (p.name == name) return &p;
    return nullptr;
}

bool EffectDef::isNamedInput(const ClipDef& clip) const {
    return !clip.isMask && clip.name != "Source" && clip.name != "Output";
}

const ClipDef* EffectDef::maskClip() const {
    for (const auto& c : clips)
        if (c.isMask) return &c;
    return nullptr;
}

Catalog parseCatalog(const std::string& jsonText) {
    const json doc = json::parse(jsonText);
    const auto schema = number(doc, "schemaVersion").value_or(0);
    if (schema != 1) throw std::runtime_error("unsupported schemaVersion " + std::to_string(schema) + " (want 1)");
    Catalog result;
    const auto effects = doc.find("effects");
    if (effects == doc.end() || !effects->is_array()) throw std::runtime_error("no 'effects' array");
    for (const auto& e : *effects) result.effects.push_back(parseEffect(e));
    return result;
}

const Catalog& catalog() {
    // A function-local static is initialised exactly once even when hosts scan from several threads.
    static const Catalog instance = [] {
        Catalog c = readCatalogFile(resourcesDirectory() + "/effects.json");
        if (!c.error.empty()) logLine("no effects described: " + c.error);
        return c;
    }();
    return instance;
}

} // namespace runway::ofx
