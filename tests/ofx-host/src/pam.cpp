// pam.cpp: a small, strict PAM reader and writer.
#include "pam.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ofxhost {

PamImage readPam(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::string line;
    std::getline(in, line);
    if (line != "P7") throw std::runtime_error(path + " is not a PAM (P7) file");
    PamImage img;
    img.depth = 0;
    img.maxval = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ss(line);
        std::string key;
        ss >> key;
        if (key == "ENDHDR") break;
        if (key == "WIDTH") ss >> img.width;
        else if (key == "HEIGHT") ss >> img.height;
        else if (key == "DEPTH") ss >> img.depth;
        else if (key == "MAXVAL") ss >> img.maxval;
        // TUPLTYPE is implied by DEPTH for the types we accept.
    }
    if (img.width <= 0 || img.height <= 0 || img.depth < 1 || img.depth > 4 || img.maxval < 1 || img.maxval > 65535)
        throw std::runtime_error(path + ": unsupported PAM header (need WIDTH, HEIGHT, DEPTH 1-4, MAXVAL 1-65535)");
    const size_t count = static_cast<size_t>(img.width) * static_cast<size_t>(img.height) * static_cast<size_t>(img.depth);
    const size_t bytesPerSample = img.maxval > 255 ? 2 : 1;
    std::vector<unsigned char> raw(count * bytesPerSample);
    in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
    if (static_cast<size_t>(in.gcount()) != raw.size()) throw std::runtime_error(path + ": truncated pixel data");
    img.samples.resize(count);
    for (size_t i = 0; i < count; ++i)
        img.samples[i] = bytesPerSample == 2 ? static_cast<std::uint16_t>((raw[2 * i] << 8) | raw[2 * i + 1]) : raw[i];
    return img;
}

void writePam(const std::string& path, const PamImage& img) {
    static const char* types[] = {"", "GRAYSCALE", "GRAYSCALE_ALPHA", "RGB", "RGB_ALPHA"};
    if (img.depth < 1 || img.depth > 4) throw std::invalid_argument("PAM depth must be 1-4");
    std::ofstream out(path, std::ios::binary);
    if (!out) throw std::runtime_error("cannot write " + path);
    out << "P7\nWIDTH " << img.width << "\nHEIGHT " << img.height << "\nDEPTH " << img.depth << "\nMAXVAL " << img.maxval
        << "\nTUPLTYPE " << types[img.depth] << "\nENDHDR\n";
    const bool wide = img.maxval > 255;
    std::vector<unsigned char> raw;
    raw.reserve(img.samples.size() * (wide ? 2 : 1));
    for (const std::uint16_t s : img.samples) {
        if (wide) raw.push_back(static_cast<unsigned char>(s >> 8));
        raw.push_back(static_cast<unsigned char>(s & 0xff));
    }
    out.write(reinterpret_cast<const char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
    if (!out) throw std::runtime_error("failed writing " + path);
}

} // namespace ofxhost
