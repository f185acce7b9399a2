// Preloaded into the kiosk by a test: libqrencode's encoder fails as it does
// when memory runs out, so that the test sees the QR step without a QR code.
#include <cerrno>
#include <cstddef>

struct QRcode;

extern "C" QRcode* QRcode_encodeData(int, const unsigned char*, int, int) {
    errno = ENOMEM;
    return nullptr;
}
