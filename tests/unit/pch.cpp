// The translation unit that builds each layer's precompiled test header
// (tests/CMakeLists.txt); the header itself is the whole of its content.
