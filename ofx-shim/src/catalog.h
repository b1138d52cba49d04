// catalog.h: the effects this bundle offers, read from Resources/effects.json.
//
// The C# effect definitions are the single source of truth; the build writes them to effects.json and the
// shim describes one OFX plugin per entry without a daemon and without loading libRunwayClient.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace runway::ofx {

enum class ParamKind { Double, Integer, Boolean, Choice, String, Double2D, Rgba };

/// What a Double2D's numbers mean (effects.json "coordinates"). The daemon always wants full-resolution pixels of
/// the Source image from its top-left corner, y down; hosts hold positions and sizes in canonical coordinates.
enum class ParamCoordinates {
    Plain,    // passed through unchanged
    Position, // OfxParamDoubleTypeXYAbsolute: canonical point -> top-left source pixels (flip y, PAR, offset)
    Size,     // OfxParamDoubleTypeXY: canonical extent -> pixels (PAR only)
};

struct ChoiceOption {
    std::string value; // sent to the daemon
    std::string label; // shown to users
};

struct ParamDef {
    std::string name;
    std::string label;
    ParamKind kind = ParamKind::Double;
    std::string hint;
    std::vector<double> defaultNumbers; // numeric kinds and boolean (0/1); 2 for Double2D, 4 for Rgba
    std::string defaultText;            // String, and Choice (the option value)
    std::optional<double> min, max, displayMin, displayMax;
    std::vector<ChoiceOption> options;
    bool spatial = false;
    ParamCoordinates coordinates = ParamCoordinates::Plain;
    // Default of a position/size as fractions of the frame, top-left origin (effects.json "defaultNormalised");
    // empty when absent.
    std::vector<double> defaultNormalised;
    bool animates = true;
    std::string page = "Controls";

    /// Index of the default option of a Choice param (0 when the default names no option).
    int defaultChoiceIndex() const;
};

struct ClipDef {
    std::string name;
    std::string label;
    bool optional = false;
    bool isMask = false;
    std::vector<std::string> components; // "RGBA", "RGB", "Alpha"
    std::string hint;
};

enum class OverlayShape { Point, Rectangle, Ellipse };
enum class OverlayRole { Neutral, Include, Exclude };

/// One on-screen handle (effects.json "overlays"): drawn in the viewer and dragged by the user when the host draws no
/// handles of its own. Position and size name Double2D params in canonical coordinates.
struct OverlayDef {
    OverlayShape shape = OverlayShape::Point;
    std::string position;
    std::string size; // empty for points
    OverlayRole role = OverlayRole::Neutral;
    // Shown only while this boolean/choice param has one of these values ("true"/"false", option values); empty = always.
    std::string whenParam;
    std::vector<std::string> whenValues;
};

struct EffectDef {
    std::string id;
    std::string label;
    std::string group;
    std::string description;
    unsigned versionMajor = 1;
    unsigned versionMinor = 0;
    std::vector<std::string> contexts; // "Filter", "General"
    std::string threadSafety = "FullySafe";
    int framesBefore = 0;
    int framesAfter = 0;
    // Optional: an integer param whose value caps the frames on each side, and a cap for interactive renders
    // (empty / -1 = none). The shim then fetches only the frames the settings use.
    std::string framesLimitParam;
    int framesInteractiveLimit = -1;
    // Optional key: true when the effect changes nothing without a mask (inpaint, generative fill), so the
    // shim may report identity / copy the source when no mask image arrives. Absent = false: the daemon decides.
    bool identityWithoutMask = false;
    // Optional "extends" object: the effect makes frames outside its Source clip's range (extend shot). Its
    // time domain is the source range grown by the integer param framesParam on the side the choice param
    // directionParam names ("after" or "before"). Empty = not an extending effect.
    std::string extendsFramesParam;
    std::string extendsDirectionParam;
    std::vector<ClipDef> clips;
    std::vector<ParamDef> params;
    std::vector<OverlayDef> overlays;

    const ClipDef* findClip(const std::string& name) const;
    const ParamDef* findParam(const std::string& name) const;
    /// The first clip declared isMask, if any.
    const ClipDef* maskClip() const;
    bool temporal() const { return framesBefore != 0 || framesAfter != 0; }
    bool extends() const { return !extendsFramesParam.empty(); }
    /// Whether the clip is one sent by name to the daemon (neither Source, Output nor a mask).
    bool isNamedInput(const ClipDef& clip) const;
};

struct Catalog {
    std::vector<EffectDef> effects;
    std::string path;  // where it was read from
    std::string error; // non-empty when reading failed (then effects is empty)
};

/// Parses an effects.json document; throws std::runtime_error naming the offending entry on bad input.
Catalog parseCatalog(const std::string& jsonText);

/// The process-wide catalog, read once from <bundle>/Contents/Resources/effects.json (thread-safe).
const Catalog& catalog();

} // namespace runway::ofx
