-- The same people and organisations as the reference app, so the features' logins map one to
-- one. Idempotent. Logins: test@demo.com / topup-demo-1, admin@demo.com / admin-demo-1 (the
-- report's organisation), other@demo.com / other-demo-1 (a second one). Balances start at 0.

insert into organizations (id, name, email) values
    ('ad9306a9-4d8a-4685-a667-cbeb7eb01a07', 'Demo Organisation', 'test@demo.com'),
    ('5f0c2b9e-8d4a-4e61-9b7f-2c3d4e5f6a7b', 'Other Organisation', 'other@demo.com')
on conflict (id) do nothing;

insert into users (org_id, email, password_hash, role) values
    ('ad9306a9-4d8a-4685-a667-cbeb7eb01a07', 'test@demo.com',
     'scrypt$cfb9d34f438f87afa00e445f2ae2a5eb$63d68f3d6dad1f78c152db37395b02a1d81857fe6a5a7658d604fe31b9e2b443', 'member'),
    ('ad9306a9-4d8a-4685-a667-cbeb7eb01a07', 'admin@demo.com',
     'scrypt$22dd31a95c2f69001859c55e0732f0a6$81541d4dfe5a518d224734154ce1f29ac40ab4ac03bf3666848d0c1960f758b2', 'admin'),
    ('5f0c2b9e-8d4a-4e61-9b7f-2c3d4e5f6a7b', 'other@demo.com',
     'scrypt$ef5557ba65412cc0866e295f4e32aa0c$1846f07d697ceb3df584f27b12f375ccec44a1d20380ab8682300c14f18d93b7', 'member')
on conflict (email) do nothing;

-- API tokens for scripts and the harness (Authorization: Bearer <token>)
insert into api_tokens (token_sha256, org_id, label) values
    (encode(sha256('wallet_demo_token_test'::bytea), 'hex'), 'ad9306a9-4d8a-4685-a667-cbeb7eb01a07', 'seed'),
    (encode(sha256('wallet_demo_token_other'::bytea), 'hex'), '5f0c2b9e-8d4a-4e61-9b7f-2c3d4e5f6a7b', 'seed')
on conflict (token_sha256) do nothing;
