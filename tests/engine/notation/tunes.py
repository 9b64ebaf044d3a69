"""ABC text shared by the notation tests of the engine and the GUI."""

TWO_TUNES = """%abc
X:1
T:The Kesh
M:6/8
L:1/8
R:jig
K:G
GAG GAB | ABA ABd |

X:2
T:Morrison's
M:6/8
L:1/8
K:Edor
E3 B3 | [EB]2A BAG |
"""
