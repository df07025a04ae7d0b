"""Record codes and one-time passwords: drawn from the unambiguous alphabet, every
character at every position."""

from haven.lib.codes import ALPHABET, new_code, random_chars


def test_random_chars_are_of_the_alphabet_and_of_the_length_asked():
    for length in (1, 4, 6, 20):
        drawn = random_chars(length)
        assert len(drawn) == length
        assert set(drawn) <= set(ALPHABET)


def test_every_character_turns_up_at_every_position():
    # 3,000 draws: some character missing from some position by chance: about 4 in 10**41.
    draws = [random_chars(6) for _ in range(3000)]
    for position in range(6):
        assert {drawn[position] for drawn in draws} == set(ALPHABET), position


def test_a_code_is_the_prefix_a_dash_and_six_characters():
    code = new_code("P")
    assert code[:2] == "P-"
    assert len(code) == 8
    assert set(code[2:]) <= set(ALPHABET)
