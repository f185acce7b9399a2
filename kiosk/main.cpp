// vitrine: the trade-fair kiosk and its staff command line.
#include "kiosk/cli.hpp"

int main(int argc, char** argv) { return vitrine::run_cli(argc, argv); }
