import Testing
@testable import DriftwatchCore

@Suite struct ConstantTimeTests {
    @Test func equalBytesCompareEqual() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(ConstantTime.equals([], []))
    }

    @Test func anySingleDifferingByteCompareUnequal() {
        let base = [UInt8](repeating: 0x61, count: 32)
        for index in base.indices {
            var other = base
            other[index] ^= 0x01
            #expect(!ConstantTime.equals(base, other), "difference at \(index)")
        }
    }

    @Test func lengthMismatchIsUnequalEvenForPrefixes() {
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(!ConstantTime.equals([], [0]))
    }

    @Test func comparesStringsByUTF8Bytes() {
        #expect(ConstantTime.equals("token-é", "token-é"))
        #expect(!ConstantTime.equals("token-a", "token-b"))
        #expect(!ConstantTime.equals("token", "token "))
    }
}
