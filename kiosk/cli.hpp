// The `vitrine` command line: global options, configuration, subcommands.
// Exit codes (DESIGN.md): 0 success, 1 failure, 2 usage error.
#pragma once

namespace vitrine {

int run_cli(int argc, char** argv);

}  // namespace vitrine
