import heapq
from collections import Counter
from itertools import count


def huffman_codes(text):
    """Build a prefix-free Huffman code table for the characters of text."""
    tiebreak = count()
    heap = [(freq, next(tiebreak), {char: ""}) for char, freq in Counter(text).items()]
    heapq.heapify(heap)
    if len(heap) == 1:
        return {char: "0" for char in heap[0][2]}
    while len(heap) > 1:
        low_freq, _, low = heapq.heappop(heap)
        high_freq, _, high = heapq.heappop(heap)
        merged = {char: "0" + code for char, code in low.items()}
        merged.update({char: "1" + code for char, code in high.items()})
        heapq.heappush(heap, (low_freq + high_freq, next(tiebreak), merged))
    return heap[0][2]


def decode(bits, codes):
    reverse, result, buffer = {code: char for char, code in codes.items()}, [], ""
    for bit in bits:
        buffer += bit
        if buffer in reverse:
            result.append(reverse[buffer])
            buffer = ""
    return "".join(result)


message = "abracadabra alakazam"
codes = huffman_codes(message)
encoded = "".join(codes[char] for char in message)
assert decode(encoded, codes) == message
assert len(codes["a"]) == min(len(code) for code in codes.values())
assert len(encoded) < 8 * len(message)
assert huffman_codes("zzz") == {"z": "0"}
print("ok")
