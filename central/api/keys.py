"""GET /api/v1/keys: central's public keys, with the announcement that vouches for each."""
from flask import jsonify
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from ..signing import public_keys

bp = APIBlueprint("keys", __name__, url_prefix="/api/v1/keys",
                  abp_tags=[Tag(name="keys", description="Central's Ed25519 public keys")])


class KeyOut(BaseModel):
    kid: str = Field(description="Key id: the first 40 bits of sha256(public key), base32")
    public_key: str = Field(description="The raw 32-byte Ed25519 public key, base64")
    signed_by: str = Field(description="The key that signed this announcement "
                                       "(the first key signs its own)")
    signature: str = Field(description="Ed25519 signature of 'antrean-key-1\\n<kid>\\n"
                                       "<public_key>', base64")
    created_at: str
    current: bool = Field(description="True for the key that signs now")


class KeysOut(BaseModel):
    keys: list[KeyOut]


@bp.get("", responses={200: KeysOut})
def list_keys():
    """Every key central has signed with, oldest first; branches learn them through sync."""
    return jsonify(keys=public_keys())
