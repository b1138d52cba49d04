// render_command.h: `ofx-host render`, the README demo's way to push frames through the real OFX bundle.
#pragma once

#include <string>
#include <vector>

namespace ofxhost {

/// ofx-host render --effect <id> --input <file.pam|dir> [--mask <file.pam|dir>] --output <file.pam|dir>
///                 [--set name=value]... [--plugin-path <dirs>] [--depth byte|short|half|float] [--context Filter|General]
/// Renders every input frame (a directory is read in name order) with the effect and writes PAM files with
/// the input's bit depth. Returns the process exit code; errors go to stderr.
int runRenderCommand(const std::vector<std::string>& args);

} // namespace ofxhost
