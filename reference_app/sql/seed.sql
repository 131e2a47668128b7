-- Seed data: the bug report's test organisation and a second one for isolation tests.
-- Idempotent. Logins (documented in README.md):
--   test@demo.com  / topup-demo-1   member of the report's organisation
--   admin@demo.com / admin-demo-1   admin of the report's organisation
--   other@demo.com / other-demo-1   member of the second organisation
-- Balances start at zero: money only moves through the wallet functions.

insert into organizations (id, name, email) values
    ('ad9306a9-4d8a-4685-a667-cbeb7eb01a07', 'Demo Organisation', 'test@demo.com'),
    ('5f0c2b9e-8d4a-4e61-9b7f-2c3d4e5f6a7b', 'Other Organisation', 'other@demo.com')
on conflict (id) do nothing;

insert into users (org_id, email, password_hash, role) values
    ('ad9306a9-4d8a-4685-a667-cbeb7eb01a07', 'test@demo.com',
     '$argon2id$v=19$m=19456,t=2,p=1$cQMX0V6nKYqPjYtpM4VPJw$9/jqIcoG51eLLBVdI1Dz2p8UqahVjovMQcumFoUdjTo',
     'member'),
    ('ad9306a9-4d8a-4685-a667-cbeb7eb01a07', 'admin@demo.com',
     '$argon2id$v=19$m=19456,t=2,p=1$/W1iqsgok3OFUqbJ+TxfAA$hGEfhk21WOzOcRYbd++j7Ai9xrqHq4swTLrcwG3rfXo',
     'admin'),
    ('5f0c2b9e-8d4a-4e61-9b7f-2c3d4e5f6a7b', 'other@demo.com',
     '$argon2id$v=19$m=19456,t=2,p=1$Exys3Bar+brRFthzjoHfhg$KvQlGYGLFwEF4YYZSTTywXOsKMkGEuIi7u2JkJYrmS0',
     'member')
on conflict ((lower(email))) do nothing;

-- API tokens for scripts (POST /api/wallet/topups with "Authorization: Bearer <token>"):
--   wallet_demo_token_test  the report's organisation
--   wallet_demo_token_other the second organisation
insert into api_tokens (token_sha256, org_id, label) values
    (encode(sha256('wallet_demo_token_test'::bytea), 'hex'),
     'ad9306a9-4d8a-4685-a667-cbeb7eb01a07', 'seed'),
    (encode(sha256('wallet_demo_token_other'::bytea), 'hex'),
     '5f0c2b9e-8d4a-4e61-9b7f-2c3d4e5f6a7b', 'seed')
on conflict (token_sha256) do nothing;
