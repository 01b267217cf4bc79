// Placeholder while the OUI generator is being written (replaced in this session).
#include <fstream>
int main(int argc, char** argv) { if (argc < 5) return 1; std::ofstream(argv[4]) << "// empty\n"; return 0; }
