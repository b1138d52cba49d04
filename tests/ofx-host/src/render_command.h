// render_command.h: `ofx-host render`, the README demo's way to push frames through the real OFX bundle.
#pragma once

#include <string>
#include <vector>

namespace ofxhost {

/// ofx-host render --effect <id> --input <file.pam|dir> [--mask <file.pam|dir>] --output <file.pam|dir>
///                 [--set name=value]... [--clip Name=<file.pam|dir>]... [--frames first..last]
///                 [--plugin-path <dirs>] [--depth byte|short|half|float] [--context Filter|General]
/// Renders every input frame (a directory is read in name order; frame i is at time i and the Source clip's
/// frame range is 0..n-1) with the effect and writes PAM files with the input's bit depth. --clip feeds another
/// input clip (one file = a still for every frame, a directory = matched by index). --frames renders those times
/// instead, which may lie outside the input (extending effects); such outputs are named frame_<t>.pam. Returns the process exit code; errors go to stderr.
int runRenderCommand(const std::vector<std::string>& args);

} // namespace ofxhost
