/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78; RFC 3720 §12.1), the
/// checksum of TFRecord framing, computed a byte at a time from a 256-entry
/// table. Check value: CRC-32C of the ASCII "123456789" is 0xE3069283.
enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { byte -> UInt32 in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    /// The CRC-32C of `bytes`.
    static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TFRecord's masked form, `rotr15(crc) + 0xA282EAD8` (TensorFlow's
    /// `crc32c::Mask`), so that a CRC of data that holds CRCs stays well mixed.
    static func masked<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        let crc = checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
